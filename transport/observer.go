package transport

import (
	"github.com/luabot/luabot/dispatch"
	"github.com/luabot/luabot/gateway"
)

// Observer hears of what the transport receives, for metrics (package metrics
// implements it; transport never imports a metrics library). Its methods are called on
// the goroutines that receive events and must not block.
type Observer interface {
	gateway.Observer
	// Event is called for every event received, before the dedup window (so replays
	// count), with the shard it came on (WebhookShard for webhooks) and its type as the
	// platform sent it.
	Event(shard int, eventType string)
}

// WebhookShard is the shard Observer.Event names for events that came by webhook.
const WebhookShard = -1

// observed wraps handle so that Config.Observer hears of each event of shard.
func (s *Source) observed(shard int, handle func(dispatch.Event)) func(dispatch.Event) {
	obs := s.cfg.Observer
	if obs == nil {
		return handle
	}
	return func(ev dispatch.Event) {
		obs.Event(shard, ev.Type)
		handle(ev)
	}
}

// gatewayObserver is Config.Observer as each gateway.Client takes it; a nil interface
// when unset, so that the client's own nil check holds.
func (s *Source) gatewayObserver() gateway.Observer {
	if s.cfg.Observer == nil {
		return nil
	}
	return s.cfg.Observer
}

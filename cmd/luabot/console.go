package main

import (
	"github.com/luabot/luabot/console"
	"github.com/luabot/luabot/transport"
)

// The web console is served at / on the admin listener (admin.go):
// `luabot dev` opens one on a free loopback port, `luabot run --admin ADDR`
// when asked.

// gatewayOf reports the bot's transport once serve has made it.
type gatewayOf struct{ b *bot }

func (g gatewayOf) Status() transport.StatusReport {
	if src := g.b.src.Load(); src != nil {
		return src.Status()
	}
	return transport.StatusReport{}
}

// consoleStore is the store for the console's kv view: one that can list its
// namespaces (the bbolt file and the Redis store both can); with any other the view
// says kv is not available.
func consoleStore(s botStore) console.Store {
	if cs, ok := s.(console.Store); ok {
		return cs
	}
	return nil
}

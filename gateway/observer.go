package gateway

import "time"

// Observer hears what a shard's Client decides and measures, for metrics (package
// metrics implements it; the gateway itself never imports a metrics library). Its
// methods are called from the Client's goroutines and must not block.
type Observer interface {
	// Reconnect is called once per disconnect with what the policy decided:
	// DecisionResume, DecisionIdentify or DecisionFatal.
	Reconnect(shard int, decision string)
	// HeartbeatAck is called for each Heartbeat ACK with the time since the last
	// heartbeat was sent.
	HeartbeatAck(shard int, rtt time.Duration)
}

// Decisions passed to Observer.Reconnect.
const (
	DecisionResume   = "resume"
	DecisionIdentify = "identify"
	DecisionFatal    = "fatal" // the shard stops for good (Run returns a *CloseError)
)

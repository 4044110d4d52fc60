package metrics_test

import "github.com/luabot/luabot/gateway"

func shardStatus(id int, state gateway.State) gateway.Status {
	return gateway.Status{Shard: [2]int{id, 2}, State: state}
}

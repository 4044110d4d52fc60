module github.com/luabot/luabot/sim/conformance

go 1.26.8

require (
	github.com/luabot/luabot v0.0.0-00010101000000-000000000000
	github.com/tencent-connect/botgo v0.2.1
)

require (
	github.com/go-resty/resty/v2 v2.6.0 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/gorilla/websocket v1.5.3 // indirect
	github.com/tidwall/gjson v1.9.3 // indirect
	github.com/tidwall/match v1.1.1 // indirect
	github.com/tidwall/pretty v1.2.0 // indirect
	golang.org/x/net v0.19.0 // indirect
	golang.org/x/oauth2 v0.23.0 // indirect
	golang.org/x/sync v0.1.0 // indirect
)

replace github.com/luabot/luabot => ../..

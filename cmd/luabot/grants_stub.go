package main

import "github.com/luabot/luabot/host"

// applyGrants puts a bot's [grants.NAME] tables of the --config file into
// cfg. This stub accepts them unread; the capabilities work replaces it.
func applyGrants(cfg *host.Config, grants map[string]any, file string) error { return nil }

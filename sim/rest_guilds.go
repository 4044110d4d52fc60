package sim

import (
	"net/http"
	"strconv"
	"time"
)

const maxGuildPage = 100 // /users/@me/guilds limit bound and default (§11)

// getMe answers GET /users/@me with the bot user.
func (s *Server) getMe(c *call) {
	c.json(http.StatusOK, toWireUser(s.world.Bot))
}

// getMeGuilds answers GET /users/@me/guilds with §11 paging: after=id
// returns guilds with larger ids in ascending order; before=id returns
// those with smaller ids, nearest first (the platform reverses, then
// pages); after wins when both are given.
func (s *Server) getMeGuilds(c *call) {
	q := c.r.URL.Query()
	limit := maxGuildPage
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxGuildPage {
			c.fail(http.StatusBadRequest, codeRequestInvalid, "limit must be an integer from 1 to 100")
			return
		}
		limit = n
	}
	guilds := []Guild{s.world.Guild} // ascending by id
	out := make([]wireGuild, 0, len(guilds))
	take := func(g Guild) bool {
		out = append(out, toWireGuild(g))
		return len(out) < limit
	}
	switch after, before := q.Get("after"), q.Get("before"); {
	case after != "":
		a, err := strconv.ParseUint(after, 10, 64)
		if err != nil {
			c.fail(http.StatusBadRequest, codeRequestInvalid, "after must be a guild id")
			return
		}
		for _, g := range guilds {
			if id, _ := strconv.ParseUint(g.ID, 10, 64); id > a && !take(g) {
				break
			}
		}
	case before != "":
		b, err := strconv.ParseUint(before, 10, 64)
		if err != nil {
			c.fail(http.StatusBadRequest, codeRequestInvalid, "before must be a guild id")
			return
		}
		for i := len(guilds) - 1; i >= 0; i-- {
			if id, _ := strconv.ParseUint(guilds[i].ID, 10, 64); id < b && !take(guilds[i]) {
				break
			}
		}
	default:
		for _, g := range guilds {
			if !take(g) {
				break
			}
		}
	}
	c.json(http.StatusOK, out)
}

// getGuild answers GET /guilds/{guild_id}.
func (s *Server) getGuild(c *call) {
	if c.r.PathValue("guild_id") != s.world.Guild.ID {
		c.fail(http.StatusNotFound, codeUnknownGuild, "unknown guild")
		return
	}
	c.json(http.StatusOK, toWireGuild(s.world.Guild))
}

// getGuildChannels answers GET /guilds/{guild_id}/channels.
func (s *Server) getGuildChannels(c *call) {
	if c.r.PathValue("guild_id") != s.world.Guild.ID {
		c.fail(http.StatusNotFound, codeUnknownGuild, "unknown guild")
		return
	}
	out := make([]wireChannel, 0, len(s.world.Channels))
	for i, ch := range s.world.Channels {
		out = append(out, toWireChannel(ch, s.world.Guild.OwnerID, i))
	}
	c.json(http.StatusOK, out)
}

// getChannel answers GET /channels/{channel_id}.
func (s *Server) getChannel(c *call) {
	id := c.r.PathValue("channel_id")
	for i, ch := range s.world.Channels {
		if ch.ID == id {
			c.json(http.StatusOK, toWireChannel(ch, s.world.Guild.OwnerID, i))
			return
		}
	}
	c.fail(http.StatusNotFound, codeUnknownChannel, "unknown channel")
}

// getGateway answers GET /gateway.
func (s *Server) getGateway(c *call) {
	c.json(http.StatusOK, gatewayResponse{URL: s.GatewayURL()})
}

// getGatewayBot answers GET /gateway/bot. remaining counts identifies in
// the current 24 h window (session.go).
func (s *Server) getGatewayBot(c *call) {
	remaining, resetAfter := s.sessionStartLimit()
	c.json(http.StatusOK, gatewayBotResponse{
		URL:    s.GatewayURL(),
		Shards: 1,
		SessionStartLimit: sessionStartLimit{
			Total:          sessionStartTotal,
			Remaining:      uint32(remaining),
			ResetAfter:     uint64(resetAfter / time.Millisecond),
			MaxConcurrency: 1,
		},
	})
}

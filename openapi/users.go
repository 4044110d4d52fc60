package openapi

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
)

var (
	RouteMe       = Route{http.MethodGet, "/users/@me"}
	RouteMeGuilds = Route{http.MethodGet, "/users/@me/guilds"}
)

// User is a QQ user or bot account.
type User struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	Avatar   string `json:"avatar,omitempty"`
	Bot      bool   `json:"bot"`
	// Union fields are only filled when a member is fetched individually.
	UnionOpenID      string `json:"union_openid,omitempty"`
	UnionUserAccount string `json:"union_user_account,omitempty"`
}

// GuildPager selects a page of GET /users/@me/guilds. The zero value asks for the first page
// with the server's default size (100).
type GuildPager struct {
	Before string // guild id: guilds before it; ignored when After is set (the server prefers After)
	After  string // guild id: guilds after it
	Limit  int    // 1–100; 0 means the server default
}

func (p GuildPager) query() (url.Values, error) {
	if p.Limit < 0 || p.Limit > 100 {
		return nil, fmt.Errorf("%w: guild page limit %d not in 0..100", ErrInvalidRequest, p.Limit)
	}
	q := url.Values{}
	switch {
	case p.After != "":
		q.Set("after", p.After)
	case p.Before != "":
		q.Set("before", p.Before)
	}
	if p.Limit > 0 {
		q.Set("limit", strconv.Itoa(p.Limit))
	}
	return q, nil
}

// Me returns the bot's own user (GET /users/@me).
func (c *Client) Me(ctx context.Context) (*User, error) {
	var u User
	if err := c.call(ctx, RouteMe, nil, nil, nil, &u); err != nil {
		return nil, fmt.Errorf("get me: %w", err)
	}
	return &u, nil
}

// MeGuilds returns one page of the guilds the bot is in (GET /users/@me/guilds). An empty
// slice means there are no more.
func (c *Client) MeGuilds(ctx context.Context, p GuildPager) ([]Guild, error) {
	q, err := p.query()
	if err != nil {
		return nil, fmt.Errorf("list guilds: %w", err)
	}
	var gs []Guild
	if err := c.call(ctx, RouteMeGuilds, nil, q, nil, &gs); err != nil {
		return nil, fmt.Errorf("list guilds: %w", err)
	}
	return gs, nil
}

// AllGuilds iterates over every guild the bot is in, 100 per request ([GuildListing]).
// It stops at the first error, which it yields once.
func (c *Client) AllGuilds(ctx context.Context) iter.Seq2[Guild, error] {
	return decodeAll[Guild](GuildListing.All(ctx, c, 0), "list guilds")
}

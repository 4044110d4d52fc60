package openapi

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/url"
	"strconv"
)

// Listing is an endpoint paged by "after" (docs/protocol.md, paging): each request asks for
// up to Limit items after the key of the last item seen. The platform may repeat items
// across pages and, for members, return short pages before the end, so [Listing.All] skips
// repeats and stops only when a page brings nothing new.
type Listing struct {
	Route Route
	Limit int    // page size asked for
	First string // "after" of the first page; "" sends none
	// Key reads an item's key, the "after" of the page that follows it.
	Key func(item json.RawMessage) string
	// ShortIsLast ends the listing at a page with fewer than Limit items. Listings whose
	// platform returns short pages before the end leave it false.
	ShortIsLast bool
}

// The paged listings.
var (
	// GuildListing is GET /users/@me/guilds, 100 guilds a page, keyed by id.
	GuildListing = Listing{Route: RouteMeGuilds, Limit: 100, Key: keyOf("id"), ShortIsLast: true}
	// MemberListing is GET /guilds/{guild_id}/members, keyed by user.id; the first page is
	// after "0".
	MemberListing = Listing{Route: RouteMembers, Limit: MaxMembersPage, First: "0", Key: keyOf("user")}
)

// keyOf reads an item's "id", or with field "user" its user.id.
func keyOf(field string) func(json.RawMessage) string {
	return func(item json.RawMessage) string {
		var k struct {
			ID   string `json:"id"`
			User struct {
				ID string `json:"id"`
			} `json:"user"`
		}
		_ = json.Unmarshal(item, &k) // an item without a readable key ends the listing
		if field == "user" {
			return k.User.ID
		}
		return k.ID
	}
}

// All yields every item of the listing, undecoded, page by page, skipping items whose key
// was already seen. It stops after a page that is empty, brings nothing new or does not move
// the key on (the platform is repeating itself), after a short page when ShortIsLast, and
// after maxPages requests when maxPages > 0. args fill the route's placeholders. The first
// error (from d, unwrapped) is yielded once and ends the listing.
func (l Listing) All(ctx context.Context, d Doer, maxPages int, args ...string) iter.Seq2[json.RawMessage, error] {
	return func(yield func(json.RawMessage, error) bool) {
		path, err := l.Route.Expand(args...)
		if err != nil {
			yield(nil, err)
			return
		}
		seen := map[string]bool{}
		after := l.First
		for n := 0; maxPages <= 0 || n < maxPages; n++ {
			q := url.Values{"limit": {strconv.Itoa(l.Limit)}}
			if after != "" {
				q.Set("after", after)
			}
			var page []json.RawMessage
			if err := d.Do(ctx, l.Route.Method, path, q, nil, &page); err != nil {
				yield(nil, err)
				return
			}
			fresh, last := 0, ""
			for _, item := range page {
				key := l.Key(item)
				last = key
				if key != "" && seen[key] {
					continue
				}
				seen[key] = true
				fresh++
				if !yield(item, nil) {
					return
				}
			}
			if len(page) == 0 || fresh == 0 || last == "" || last == after || (l.ShortIsLast && len(page) < l.Limit) {
				return
			}
			after = last
		}
	}
}

// decodeAll decodes each item of a listing into T; what names the listing in errors.
func decodeAll[T any](items iter.Seq2[json.RawMessage, error], what string) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for item, err := range items {
			var v T
			if err == nil {
				if err = json.Unmarshal(item, &v); err != nil {
					err = fmt.Errorf("decode: %w", err)
				}
			}
			if err != nil {
				yield(v, wrap(what, err))
				return
			}
			if !yield(v, nil) {
				return
			}
		}
	}
}

package openapi

import (
	"context"
	"fmt"
	"net/url"
	"strings"
)

// Route is one REST endpoint as data: a method and a path template whose {placeholders} are
// filled, in order, by path parameters. Each resource file declares its routes next to the
// types they return, so the table of what the client can call is readable at a glance; the
// Route variables are exported so that other callers of [Client.Do] (the Lua bindings) name
// an endpoint instead of spelling its path again.
type Route struct {
	Method string
	Path   string
}

// Params returns the names of the template's placeholders, in order: for
// "/guilds/{guild_id}/members/{user_id}", guild_id and user_id.
func (r Route) Params() []string {
	var names []string
	rest := r.Path
	for {
		open := strings.IndexByte(rest, '{')
		end := strings.IndexByte(rest, '}')
		if open < 0 || end < open {
			return names
		}
		names = append(names, rest[open+1:end])
		rest = rest[end+1:]
	}
}

// Expand fills the template's placeholders with args, each escaped as one path segment.
// Empty, "." and ".." ids are refused: escaped or not, they would change which resource the
// path names. Errors wrap [ErrInvalidRequest].
func (r Route) Expand(args ...string) (string, error) {
	var b strings.Builder
	rest := r.Path
	for _, arg := range args {
		open := strings.IndexByte(rest, '{')
		end := strings.IndexByte(rest, '}')
		if open < 0 || end < open {
			return "", fmt.Errorf("%w: too many parameters for %s", ErrInvalidRequest, r.Path)
		}
		name := rest[open+1 : end]
		if !ValidID(arg) {
			return "", fmt.Errorf("%w: empty or invalid %s", ErrInvalidRequest, name)
		}
		b.WriteString(rest[:open])
		b.WriteString(url.PathEscape(arg))
		rest = rest[end+1:]
	}
	if strings.IndexByte(rest, '{') >= 0 {
		return "", fmt.Errorf("%w: missing parameters for %s", ErrInvalidRequest, r.Path)
	}
	b.WriteString(rest)
	return b.String(), nil
}

// ValidID reports whether id can fill a path placeholder: not empty, "." or "..".
func ValidID(id string) bool { return id != "" && id != "." && id != ".." }

// call expands r with args and sends it through Do.
func (c *Client) call(ctx context.Context, r Route, args []string, query url.Values, in, out any) error {
	path, err := r.Expand(args...)
	if err != nil {
		return err
	}
	return c.Do(ctx, r.Method, path, query, in, out)
}

// callJSON sends r through Do and returns the decoded answer; what names the
// operation in errors ("get guild").
func callJSON[T any](ctx context.Context, c *Client, what string, r Route, args []string, query url.Values, in any) (T, error) {
	var out T
	if err := c.call(ctx, r, args, query, in, &out); err != nil {
		var zero T
		return zero, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// callNone sends r through Do and discards the answer.
func callNone(ctx context.Context, c *Client, what string, r Route, args []string, query url.Values, in any) error {
	if err := c.call(ctx, r, args, query, in, nil); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// wrap prefixes err with the operation's name.
func wrap(what string, err error) error { return fmt.Errorf("%s: %w", what, err) }

package openapi

import (
	"context"
	"net/http"
)

var (
	RouteThreads      = Route{http.MethodGet, "/channels/{channel_id}/threads"}
	RouteThread       = Route{http.MethodGet, "/channels/{channel_id}/threads/{thread_id}"}
	RoutePutThread    = Route{http.MethodPut, "/channels/{channel_id}/threads"}
	RouteDeleteThread = Route{http.MethodDelete, "/channels/{channel_id}/threads/{thread_id}"}
)

// Thread formats.
const (
	ThreadText     = 1
	ThreadHTML     = 2
	ThreadMarkdown = 3
	ThreadJSON     = 4
)

// Thread is a forum thread. Title and Content of listed threads are
// JSON-encoded rich text, kept as the platform's strings.
type Thread struct {
	GuildID    string     `json:"guild_id"`
	ChannelID  string     `json:"channel_id"`
	AuthorID   string     `json:"author_id"`
	ThreadInfo ThreadInfo `json:"thread_info"`
}

// ThreadInfo is a thread's content.
type ThreadInfo struct {
	ThreadID string `json:"thread_id"`
	Title    string `json:"title"`
	Content  string `json:"content"`
	DateTime string `json:"date_time"`
}

// ThreadList is one listing; IsFinish 1 means complete.
type ThreadList struct {
	Threads  []Thread `json:"threads"`
	IsFinish int      `json:"is_finish"`
}

// ThreadToPut is the body of PUT /channels/{channel_id}/threads.
type ThreadToPut struct {
	Title   string `json:"title"`
	Content string `json:"content"`
	Format  int    `json:"format"`
}

// PutThreadResult is the answer to publishing a thread (published after audit).
type PutThreadResult struct {
	TaskID     string `json:"task_id"`
	CreateTime string `json:"create_time"`
}

// Threads lists a forum channel's threads.
func (c *Client) Threads(ctx context.Context, channelID string) (*ThreadList, error) {
	return callJSON[*ThreadList](ctx, c, "list threads", RouteThreads, []string{channelID}, nil, nil)
}

// Thread returns one thread.
func (c *Client) Thread(ctx context.Context, channelID, threadID string) (*Thread, error) {
	r, err := callJSON[struct {
		Thread *Thread `json:"thread"`
	}](ctx, c, "get thread", RouteThread, []string{channelID, threadID}, nil, nil)
	return r.Thread, err
}

// PutThread publishes a thread.
func (c *Client) PutThread(ctx context.Context, channelID string, t ThreadToPut) (*PutThreadResult, error) {
	return callJSON[*PutThreadResult](ctx, c, "put thread", RoutePutThread, []string{channelID}, nil, t)
}

// DeleteThread deletes a thread.
func (c *Client) DeleteThread(ctx context.Context, channelID, threadID string) error {
	return callNone(ctx, c, "delete thread", RouteDeleteThread, []string{channelID, threadID}, nil, nil)
}

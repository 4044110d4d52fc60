package openapi

import (
	"context"
	"encoding/json"
	"net/http"
)

var (
	RouteAudio   = Route{http.MethodPost, "/channels/{channel_id}/audio"}
	RouteMicOn   = Route{http.MethodPut, "/channels/{channel_id}/mic"}
	RouteMicOff  = Route{http.MethodDelete, "/channels/{channel_id}/mic"}
	emptyJSONObj = json.RawMessage(`{}`)
)

// Audio statuses.
const (
	AudioStart  = 0
	AudioPause  = 1
	AudioResume = 2
	AudioStop   = 3
)

// AudioControl is the body of POST /channels/{channel_id}/audio.
type AudioControl struct {
	AudioURL string `json:"audio_url,omitempty"`
	Text     string `json:"text,omitempty"`
	Status   int    `json:"status"`
}

// ControlAudio plays, pauses, resumes or stops audio in a voice channel (audio bots).
func (c *Client) ControlAudio(ctx context.Context, channelID string, a AudioControl) error {
	return callNone(ctx, c, "control audio", RouteAudio, []string{channelID}, nil, a)
}

// MicOn puts the bot on the mic of a voice channel (PUT /channels/{channel_id}/mic).
func (c *Client) MicOn(ctx context.Context, channelID string) error {
	return callNone(ctx, c, "mic on", RouteMicOn, []string{channelID}, nil, emptyJSONObj)
}

// MicOff takes the bot off the mic (DELETE /channels/{channel_id}/mic).
func (c *Client) MicOff(ctx context.Context, channelID string) error {
	return callNone(ctx, c, "mic off", RouteMicOff, []string{channelID}, nil, nil)
}

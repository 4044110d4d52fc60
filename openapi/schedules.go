package openapi

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
)

var (
	routeSchedules      = route{http.MethodGet, "/channels/{channel_id}/schedules"}
	routeSchedule       = route{http.MethodGet, "/channels/{channel_id}/schedules/{schedule_id}"}
	routeCreateSchedule = route{http.MethodPost, "/channels/{channel_id}/schedules"}
	routePatchSchedule  = route{http.MethodPatch, "/channels/{channel_id}/schedules/{schedule_id}"}
	routeDeleteSchedule = route{http.MethodDelete, "/channels/{channel_id}/schedules/{schedule_id}"}
)

// Schedule is a channel schedule (日程). Timestamps are unix milliseconds as
// strings; RemindType "0".."5" (none, at start, 5, 15, 30, 60 min before).
type Schedule struct {
	ID             string `json:"id,omitempty"`
	Name           string `json:"name"`
	Description    string `json:"description,omitempty"`
	StartTimestamp string `json:"start_timestamp"`
	EndTimestamp   string `json:"end_timestamp"`
	Creator        *struct {
		User User `json:"user"`
	} `json:"creator,omitempty"`
	JumpChannelID string `json:"jump_channel_id,omitempty"`
	RemindType    string `json:"remind_type,omitempty"`
}

// Schedules lists schedules ending after sinceMillis (0: today) (GET /channels/{channel_id}/schedules).
func (c *Client) Schedules(ctx context.Context, channelID string, sinceMillis int64) ([]Schedule, error) {
	var q url.Values
	if sinceMillis > 0 {
		q = url.Values{"since": {strconv.FormatInt(sinceMillis, 10)}}
	}
	return callJSON[[]Schedule](ctx, c, "list schedules", routeSchedules, []string{channelID}, q, nil)
}

// Schedule returns one schedule.
func (c *Client) Schedule(ctx context.Context, channelID, scheduleID string) (*Schedule, error) {
	return callJSON[*Schedule](ctx, c, "get schedule", routeSchedule, []string{channelID, scheduleID}, nil, nil)
}

// CreateSchedule creates a schedule (admin bots; 10 per day per admin).
func (c *Client) CreateSchedule(ctx context.Context, channelID string, s Schedule) (*Schedule, error) {
	s.ID = ""
	return callJSON[*Schedule](ctx, c, "create schedule", routeCreateSchedule, []string{channelID}, nil,
		map[string]any{"schedule": s})
}

// PatchSchedule replaces a schedule's fields.
func (c *Client) PatchSchedule(ctx context.Context, channelID, scheduleID string, s Schedule) (*Schedule, error) {
	return callJSON[*Schedule](ctx, c, "patch schedule", routePatchSchedule, []string{channelID, scheduleID}, nil,
		map[string]any{"schedule": s})
}

// DeleteSchedule deletes a schedule.
func (c *Client) DeleteSchedule(ctx context.Context, channelID, scheduleID string) error {
	return callNone(ctx, c, "delete schedule", routeDeleteSchedule, []string{channelID, scheduleID}, nil, nil)
}

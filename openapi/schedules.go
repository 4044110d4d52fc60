package openapi

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
)

var (
	RouteSchedules      = Route{http.MethodGet, "/channels/{channel_id}/schedules"}
	RouteSchedule       = Route{http.MethodGet, "/channels/{channel_id}/schedules/{schedule_id}"}
	RouteCreateSchedule = Route{http.MethodPost, "/channels/{channel_id}/schedules"}
	RoutePatchSchedule  = Route{http.MethodPatch, "/channels/{channel_id}/schedules/{schedule_id}"}
	RouteDeleteSchedule = Route{http.MethodDelete, "/channels/{channel_id}/schedules/{schedule_id}"}
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
	return callJSON[[]Schedule](ctx, c, "list schedules", RouteSchedules, []string{channelID}, q, nil)
}

// Schedule returns one schedule.
func (c *Client) Schedule(ctx context.Context, channelID, scheduleID string) (*Schedule, error) {
	return callJSON[*Schedule](ctx, c, "get schedule", RouteSchedule, []string{channelID, scheduleID}, nil, nil)
}

// CreateSchedule creates a schedule (admin bots; 10 per day per admin).
func (c *Client) CreateSchedule(ctx context.Context, channelID string, s Schedule) (*Schedule, error) {
	s.ID = ""
	return callJSON[*Schedule](ctx, c, "create schedule", RouteCreateSchedule, []string{channelID}, nil,
		map[string]any{"schedule": s})
}

// PatchSchedule replaces a schedule's fields.
func (c *Client) PatchSchedule(ctx context.Context, channelID, scheduleID string, s Schedule) (*Schedule, error) {
	return callJSON[*Schedule](ctx, c, "patch schedule", RoutePatchSchedule, []string{channelID, scheduleID}, nil,
		map[string]any{"schedule": s})
}

// DeleteSchedule deletes a schedule.
func (c *Client) DeleteSchedule(ctx context.Context, channelID, scheduleID string) error {
	return callNone(ctx, c, "delete schedule", RouteDeleteSchedule, []string{channelID, scheduleID}, nil, nil)
}

package sim

import (
	"cmp"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Schedules in schedule channels (§7.1): application channels (type 10006)
// of the schedule app. Times travel as unix milliseconds in decimal
// strings (§9). The protocol names only the range 302000–302024 for
// schedule errors, not which code means what, so bad input is the generic
// 400/12002 with a message saying what is wrong.

// appSchedule is the application_id of the schedule app (日程提醒), one of
// the application ids listed in §6.2.
const appSchedule = "1000050"

// remindTypes are the remind_type values of the docs: none, at start, and
// 5, 15, 30, 60 minutes before (§14.9).
var remindTypes = []string{"0", "1", "2", "3", "4", "5"}

type schedule struct {
	id, name, description string
	start, end            int64 // unix milliseconds
	jumpChannelID         string
	remindType            string
	creatorID             string
}

type wireSchedule struct {
	ID             string     `json:"id"`
	Name           string     `json:"name"`
	Description    string     `json:"description"`
	StartTimestamp string     `json:"start_timestamp"`
	EndTimestamp   string     `json:"end_timestamp"`
	Creator        wireMember `json:"creator"`
	JumpChannelID  string     `json:"jump_channel_id"`
	RemindType     string     `json:"remind_type"`
}

// scheduleRequest is the body of create and patch: the fields are wrapped
// in "schedule".
type scheduleRequest struct {
	Schedule *scheduleFields `json:"schedule"`
}

type scheduleFields struct {
	Name           *string `json:"name"`
	Description    *string `json:"description"`
	StartTimestamp *string `json:"start_timestamp"`
	EndTimestamp   *string `json:"end_timestamp"`
	JumpChannelID  *string `json:"jump_channel_id"`
	RemindType     *string `json:"remind_type"`
	ReminderID     *string `json:"reminder_id"` // botpy's name for remind_type (§14.9)
}

// isScheduleChannel accepts application channels of the schedule app; an
// application channel without an application id counts too, since
// channels created without one cannot be told apart.
func isScheduleChannel(ch *channelState) bool {
	return ch.Type == channelApp && (ch.applicationID == "" || ch.applicationID == appSchedule)
}

// apply merges the given fields into sc and validates the result. On
// failure it returns what is wrong and leaves sc unchanged. The caller
// holds s.mu.
func (f *scheduleFields) apply(sc *schedule, g *guildState) string {
	next := *sc
	if f.Name != nil {
		next.name = *f.Name
	}
	if f.Description != nil {
		next.description = *f.Description
	}
	for _, ts := range []struct {
		name string
		v    *string
		dst  *int64
	}{{"start_timestamp", f.StartTimestamp, &next.start}, {"end_timestamp", f.EndTimestamp, &next.end}} {
		if ts.v == nil {
			continue
		}
		ms, err := strconv.ParseInt(*ts.v, 10, 64)
		if err != nil || ms <= 0 {
			return ts.name + " must be unix milliseconds as a decimal string"
		}
		*ts.dst = ms
	}
	if f.JumpChannelID != nil {
		next.jumpChannelID = *f.JumpChannelID
	}
	if f.RemindType == nil {
		f.RemindType = f.ReminderID
	}
	if f.RemindType != nil {
		next.remindType = *f.RemindType
	}
	switch {
	case next.name == "":
		return "name is required"
	case next.start == 0:
		return "start_timestamp is required"
	case next.end == 0:
		return "end_timestamp is required"
	case next.end <= next.start:
		return "end_timestamp must be after start_timestamp"
	case !slices.Contains(remindTypes, next.remindType):
		return `remind_type must be "0" to "5"`
	}
	if id := next.jumpChannelID; id != "" && id != "0" && !slices.ContainsFunc(g.channels, func(c *channelState) bool { return c.ID == id }) {
		return "jump_channel_id is not a channel of this guild"
	}
	*sc = next
	return ""
}

// toWireSchedule renders sc. The caller holds s.mu.
func toWireSchedule(sc *schedule, g *guildState) wireSchedule {
	creator := wireMember{Roles: []string{}}
	if m := g.member(sc.creatorID); m != nil {
		creator = toWireMember(m)
	}
	return wireSchedule{
		ID:             sc.id,
		Name:           sc.name,
		Description:    sc.description,
		StartTimestamp: strconv.FormatInt(sc.start, 10),
		EndTimestamp:   strconv.FormatInt(sc.end, 10),
		Creator:        creator,
		JumpChannelID:  sc.jumpChannelID,
		RemindType:     sc.remindType,
	}
}

// decodeSchedule reads a create or patch body; false means it has answered.
func (c *call) decodeSchedule() (*scheduleFields, bool) {
	var req scheduleRequest
	if _, ok := c.decode(&req); !ok {
		return nil, false
	}
	if req.Schedule == nil {
		c.fail(http.StatusBadRequest, codeRequestInvalid, `the body must be {"schedule": {...}}`)
		return nil, false
	}
	return req.Schedule, true
}

// lockSchedule is lockChannel for a schedule channel and the path's
// schedule (404/404 when it does not exist).
func (s *Server) lockSchedule(c *call) (*channelState, *schedule) {
	ch := s.lockChannelOf(c, "schedule channel", isScheduleChannel)
	if ch == nil {
		return nil, nil
	}
	id := c.r.PathValue("schedule_id")
	for _, sc := range ch.schedules {
		if sc.id == id {
			return ch, sc
		}
	}
	s.mu.Unlock()
	c.fail(http.StatusNotFound, codeNotFound, "schedule not found")
	return nil, nil
}

// getSchedules answers GET /channels/{channel_id}/schedules: the schedules
// ending after since (§11), by start time. since comes from the query, or
// from a JSON body as botpy sends it (§14.9); without it, or when it is 0,
// it is the start of today in China time. botgo's ListSchedules always
// sends since and documents 0 as "today's schedules", so 0 means unset.
func (s *Server) getSchedules(c *call) {
	var body struct {
		Since json.RawMessage `json:"since"`
	}
	if _, ok := c.decode(&body); !ok {
		return
	}
	v := c.r.URL.Query().Get("since")
	if v == "" && present(body.Since) {
		v = strings.Trim(string(body.Since), `"`)
	}
	var since int64
	if v != "" {
		var err error
		if since, err = strconv.ParseInt(v, 10, 64); err != nil || since < 0 {
			c.fail(http.StatusBadRequest, codeRequestInvalid, "since must be unix milliseconds")
			return
		}
	}
	ch := s.lockChannelOf(c, "schedule channel", isScheduleChannel)
	if ch == nil {
		return
	}
	defer s.mu.Unlock()
	if since == 0 {
		y, m, d := s.now().In(chinaTime).Date()
		since = time.Date(y, m, d, 0, 0, 0, 0, chinaTime).UnixMilli()
	}
	var found []*schedule
	for _, sc := range ch.schedules {
		if sc.end > since {
			found = append(found, sc)
		}
	}
	slices.SortStableFunc(found, func(a, b *schedule) int { return cmp.Compare(a.start, b.start) })
	g := s.w.guild(ch.GuildID)
	out := make([]wireSchedule, 0, len(found))
	for _, sc := range found {
		out = append(out, toWireSchedule(sc, g))
	}
	c.json(http.StatusOK, out)
}

// getSchedule answers GET /channels/{channel_id}/schedules/{schedule_id}.
func (s *Server) getSchedule(c *call) {
	ch, sc := s.lockSchedule(c)
	if sc == nil {
		return
	}
	defer s.mu.Unlock()
	c.json(http.StatusOK, toWireSchedule(sc, s.w.guild(ch.GuildID)))
}

// postSchedule answers POST /channels/{channel_id}/schedules with the new
// schedule; the bot is its creator.
func (s *Server) postSchedule(c *call) {
	f, ok := c.decodeSchedule()
	if !ok {
		return
	}
	ch := s.lockChannelOf(c, "schedule channel", isScheduleChannel)
	if ch == nil {
		return
	}
	defer s.mu.Unlock()
	g := s.w.guild(ch.GuildID)
	sc := &schedule{remindType: "0", creatorID: s.w.bot.ID}
	if msg := f.apply(sc, g); msg != "" {
		c.fail(http.StatusBadRequest, codeRequestInvalid, msg)
		return
	}
	sc.id = s.w.mintID()
	ch.schedules = append(ch.schedules, sc)
	c.json(http.StatusOK, toWireSchedule(sc, g))
}

// patchSchedule answers PATCH /channels/{channel_id}/schedules/{schedule_id}.
// Keys left out keep their values; the result is validated as on create.
func (s *Server) patchSchedule(c *call) {
	f, ok := c.decodeSchedule()
	if !ok {
		return
	}
	ch, sc := s.lockSchedule(c)
	if sc == nil {
		return
	}
	defer s.mu.Unlock()
	g := s.w.guild(ch.GuildID)
	if msg := f.apply(sc, g); msg != "" {
		c.fail(http.StatusBadRequest, codeRequestInvalid, msg)
		return
	}
	c.json(http.StatusOK, toWireSchedule(sc, g))
}

// deleteSchedule answers DELETE /channels/{channel_id}/schedules/{schedule_id}
// with 204.
func (s *Server) deleteSchedule(c *call) {
	ch, sc := s.lockSchedule(c)
	if sc == nil {
		return
	}
	defer s.mu.Unlock()
	ch.schedules = slices.DeleteFunc(ch.schedules, func(x *schedule) bool { return x == sc })
	c.noContent()
}

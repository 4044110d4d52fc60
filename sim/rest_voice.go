package sim

import (
	"fmt"
	"net/http"
	"slices"
)

// Voice channels: who is in them, audio playback control and the mic (§7.1).
//
// Presence is a list of user ids per channel. The bot is in a voice channel
// while it is on the mic (PUT/DELETE /mic); users enter and leave through
// JoinVoice and LeaveVoice, standing in for the QQ client. Audio is not
// played: POST /audio only remembers the track, so that stopping it can
// name it in AUDIO_FINISH.

// Channel types (§6.2) that the voice, schedule and forum endpoints serve.
const (
	channelVoice = 2
	channelLive  = 10005
	channelApp   = 10006
	channelForum = 10007
)

// Audio statuses of POST /channels/{channel_id}/audio.
const (
	audioStart = iota
	audioPause
	audioResume
	audioStop
)

type voiceState struct {
	present []string    // user ids in order of entry; the bot while on the mic
	track   *audioTrack // what status 0 started; nil once stopped
}

type audioTrack struct {
	url, text string
}

// wireAudioAction is the d of AUDIO_* events; ON/OFF_MIC carry only the
// ids (§6.2).
type wireAudioAction struct {
	GuildID   string `json:"guild_id"`
	ChannelID string `json:"channel_id"`
	AudioURL  string `json:"audio_url,omitempty"`
	Text      string `json:"text,omitempty"`
}

// wireVoicePresence is the d of AUDIO_OR_LIVE_CHANNEL_MEMBER_ENTER/EXIT.
// Its channel_type is 2 (voice) or 5 (live), not the channel's type 10005.
type wireVoicePresence struct {
	GuildID     string `json:"guild_id"`
	ChannelID   string `json:"channel_id"`
	ChannelType int    `json:"channel_type"`
	UserID      string `json:"user_id"`
}

func isVoice(ch *channelState) bool { return ch.Type == channelVoice }

func isVoiceOrLive(ch *channelState) bool { return ch.Type == channelVoice || ch.Type == channelLive }

// lockChannelOf is lockChannel for endpoints that serve one kind of
// channel. The protocol names no code for the wrong kind, so it is the
// generic 400/12002, which tells a client it asked the wrong channel apart
// from a channel that does not exist (404/10003).
func (s *Server) lockChannelOf(c *call, kind string, ok func(*channelState) bool) *channelState {
	ch := s.lockChannel(c)
	if ch == nil {
		return nil
	}
	if !ok(ch) {
		s.mu.Unlock()
		c.fail(http.StatusBadRequest, codeRequestInvalid, "channel "+ch.ID+" is not a "+kind)
		return nil
	}
	return ch
}

// enter adds userID to ch and reports whether it was absent. The caller
// holds s.mu.
func (ch *channelState) enter(userID string) bool {
	if ch.voice == nil {
		ch.voice = &voiceState{}
	}
	if slices.Contains(ch.voice.present, userID) {
		return false
	}
	ch.voice.present = append(ch.voice.present, userID)
	return true
}

// leave removes userID from ch and reports whether it was present. The
// caller holds s.mu.
func (ch *channelState) leave(userID string) bool {
	if ch.voice == nil || !slices.Contains(ch.voice.present, userID) {
		return false
	}
	ch.voice.present = slices.DeleteFunc(ch.voice.present, func(id string) bool { return id == userID })
	return true
}

// voiceMembers lists the guild members present in ch in order of entry.
// Someone who left the guild meanwhile is no longer counted: the platform
// takes a kicked member out of every channel. The caller holds s.mu.
func (s *Server) voiceMembers(ch *channelState) []wireMember {
	out := []wireMember{}
	g := s.w.guild(ch.GuildID)
	if ch.voice == nil || g == nil {
		return out
	}
	for _, id := range ch.voice.present {
		if m := g.member(id); m != nil {
			out = append(out, toWireMember(m))
		}
	}
	return out
}

// getVoiceMembers answers GET /channels/{channel_id}/voice/members.
func (s *Server) getVoiceMembers(c *call) {
	ch := s.lockChannelOf(c, "voice channel", isVoice)
	if ch == nil {
		return
	}
	defer s.mu.Unlock()
	c.json(http.StatusOK, s.voiceMembers(ch))
}

// getOnlineNums answers GET /channels/{channel_id}/online_nums for voice
// and live channels.
func (s *Server) getOnlineNums(c *call) {
	ch := s.lockChannelOf(c, "voice or live channel", isVoiceOrLive)
	if ch == nil {
		return
	}
	defer s.mu.Unlock()
	c.json(http.StatusOK, map[string]int{"online_nums": len(s.voiceMembers(ch))})
}

// postAudio answers POST /channels/{channel_id}/audio with {}. Start needs
// an audio_url and dispatches AUDIO_START; stop ends the track and
// dispatches AUDIO_FINISH; pause and resume change nothing the API can
// observe.
func (s *Server) postAudio(c *call) {
	var req struct {
		AudioURL string `json:"audio_url"`
		Text     string `json:"text"`
		Status   *int   `json:"status"`
	}
	if _, ok := c.decode(&req); !ok {
		return
	}
	if req.Status == nil || *req.Status < audioStart || *req.Status > audioStop {
		c.fail(http.StatusBadRequest, codeRequestInvalid, "status must be 0 (start), 1 (pause), 2 (resume) or 3 (stop)")
		return
	}
	if *req.Status == audioStart && req.AudioURL == "" {
		c.fail(http.StatusBadRequest, codeRequestInvalid, "audio_url is required to start playing")
		return
	}
	ch := s.lockChannelOf(c, "voice channel", isVoice)
	if ch == nil {
		return
	}
	if ch.voice == nil {
		ch.voice = &voiceState{}
	}
	var ev *event
	switch *req.Status {
	case audioStart:
		ch.voice.track = &audioTrack{url: req.AudioURL, text: req.Text}
		ev = &event{t: "AUDIO_START", d: wireAudioAction{GuildID: ch.GuildID, ChannelID: ch.ID, AudioURL: req.AudioURL, Text: req.Text}}
	case audioStop:
		if tr := ch.voice.track; tr != nil {
			ch.voice.track = nil
			ev = &event{t: "AUDIO_FINISH", d: wireAudioAction{GuildID: ch.GuildID, ChannelID: ch.ID, AudioURL: tr.url, Text: tr.text}}
		}
	}
	guild := ch.GuildID
	s.mu.Unlock()
	c.json(http.StatusOK, struct{}{})
	if ev != nil {
		s.audioEvent(*ev, guild)
	}
}

// putMic answers PUT /channels/{channel_id}/mic with {}. The bot enters
// the channel; AUDIO_ON_MIC is dispatched only when it was not on already.
func (s *Server) putMic(c *call) { s.mic(c, true) }

// deleteMic answers DELETE /channels/{channel_id}/mic with {}, the
// mirror of putMic with AUDIO_OFF_MIC.
func (s *Server) deleteMic(c *call) { s.mic(c, false) }

func (s *Server) mic(c *call, on bool) {
	ch := s.lockChannelOf(c, "voice channel", isVoice)
	if ch == nil {
		return
	}
	var changed bool
	t := "AUDIO_ON_MIC"
	if on {
		changed = ch.enter(s.w.bot.ID)
	} else {
		changed, t = ch.leave(s.w.bot.ID), "AUDIO_OFF_MIC"
	}
	d := wireAudioAction{GuildID: ch.GuildID, ChannelID: ch.ID}
	s.mu.Unlock()
	c.json(http.StatusOK, struct{}{})
	if changed {
		s.audioEvent(event{t: t, d: d}, d.GuildID)
	}
}

func (s *Server) audioEvent(ev event, guildID string) {
	ev.intent, ev.guildID, ev.scene = IntentAudioAction, guildID, SceneGuild
	if err := s.publish(ev); err != nil {
		s.log.Debug("publish", "t", ev.t, "err", err)
	}
}

// JoinVoice has a guild member enter a voice or live channel, as the QQ
// client does when they open it, and dispatches
// AUDIO_OR_LIVE_CHANNEL_MEMBER_ENTER (intent 1<<19). userID "" is the first
// user. Entering a channel one is already in changes nothing and
// dispatches nothing.
func (s *Server) JoinVoice(channelID, userID string) error {
	return s.voicePresence(channelID, userID, true)
}

// LeaveVoice is the reverse of JoinVoice and dispatches
// AUDIO_OR_LIVE_CHANNEL_MEMBER_EXIT.
func (s *Server) LeaveVoice(channelID, userID string) error {
	return s.voicePresence(channelID, userID, false)
}

func (s *Server) voicePresence(channelID, userID string, join bool) error {
	s.mu.Lock()
	ch, ok := s.w.channels[channelID]
	if !ok {
		s.mu.Unlock()
		return fmt.Errorf("voice channel %q: %w", channelID, ErrUnknownChannel)
	}
	if !isVoiceOrLive(ch) {
		s.mu.Unlock()
		return fmt.Errorf("channel %q of type %d: %w", channelID, ch.Type, ErrNotVoiceChannel)
	}
	if userID == "" {
		userID = s.w.users[0].ID
	}
	g := s.w.guild(ch.GuildID)
	if m := g.member(userID); m == nil || m.user.Bot {
		s.mu.Unlock()
		return fmt.Errorf("voice user %q in guild %s: %w", userID, ch.GuildID, ErrUnknownAuthor)
	}
	var changed bool
	t := "AUDIO_OR_LIVE_CHANNEL_MEMBER_ENTER"
	if join {
		changed = ch.enter(userID)
	} else {
		changed, t = ch.leave(userID), "AUDIO_OR_LIVE_CHANNEL_MEMBER_EXIT"
	}
	d := wireVoicePresence{GuildID: ch.GuildID, ChannelID: ch.ID, ChannelType: 2, UserID: userID}
	if ch.Type == channelLive {
		d.ChannelType = 5
	}
	s.mu.Unlock()
	if !changed {
		return nil
	}
	return s.publish(event{t: t, intent: IntentAudioOrLiveChannel, guildID: d.GuildID, scene: SceneGuild, d: d})
}

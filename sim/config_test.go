package sim_test

import (
	"errors"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/luabot/luabot/sim"
)

func TestNew_InvalidConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  sim.Config
	}{
		{"non-numeric app id", sim.Config{AppID: "bot"}},
		{"leading zero app id", sim.Config{AppID: "0102"}},
		{"secret with space", sim.Config{Secret: "a b"}},
		{"bot token with newline", sim.Config{BotToken: "a\nb"}},
		{"negative ttl", sim.Config{TokenTTL: -time.Second}},
		{"sub-second ttl", sim.Config{TokenTTL: time.Millisecond}},
		{"negative heartbeat", sim.Config{HeartbeatInterval: -time.Second}},
		{"sub-millisecond heartbeat", sim.Config{HeartbeatInterval: time.Microsecond}},
		{"unknown granted intent", sim.Config{GrantedIntents: 1 << 31}},
		{"legacy granted intent", sim.Config{GrantedIntents: 1 << 2}},
		{"negative delay", sim.Config{MessageDelay: -time.Millisecond}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := sim.New(tt.cfg); !errors.Is(err, sim.ErrInvalidConfig) {
				t.Fatalf("New error = %v, want ErrInvalidConfig", err)
			}
		})
	}
}

func TestNew_Defaults(t *testing.T) {
	s, err := sim.New(sim.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if s.AppID() != "102000001" {
		t.Errorf("AppID = %q", s.AppID())
	}
	alnum := regexp.MustCompile(`^[A-Za-z0-9]{32}$`)
	if !alnum.MatchString(s.Secret()) || !alnum.MatchString(s.BotToken()) {
		t.Errorf("Secret %q / BotToken %q are not 32 alphanumerics", s.Secret(), s.BotToken())
	}
	if s.APIURL() != "" || s.GatewayURL() != "" {
		t.Errorf("URLs before Start: %q %q", s.APIURL(), s.GatewayURL())
	}
	other, _ := sim.New(sim.Config{})
	if other.Secret() == s.Secret() {
		t.Error("two servers share a random secret")
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close without Start: %v", err)
	}
	if err := s.Start(); !errors.Is(err, sim.ErrServerClosed) {
		t.Errorf("Start after Close = %v", err)
	}
}

func TestServer_World(t *testing.T) {
	s := MustStart(t, sim.Config{}, nil)
	w := s.World()
	numeric := func(id string) bool { _, err := strconv.ParseUint(id, 10, 64); return err == nil }
	if !w.Bot.Bot || w.Bot.Username == "" || !numeric(w.Bot.ID) {
		t.Errorf("bot = %+v", w.Bot)
	}
	if !numeric(w.Guild.ID) || w.Guild.MemberCount != len(w.Members)+1 {
		t.Errorf("guild = %+v", w.Guild)
	}
	if len(w.Channels) != 2 || w.Channels[0].Name != "general" || w.Channels[1].Name != "random" {
		t.Errorf("channels = %+v", w.Channels)
	}
	for _, c := range w.Channels {
		if !numeric(c.ID) || c.GuildID != w.Guild.ID || c.Type != 0 {
			t.Errorf("channel = %+v", c)
		}
	}
	if len(w.Members) != 3 {
		t.Errorf("members = %+v", w.Members)
	}
	for _, m := range w.Members {
		if m.Bot || !numeric(m.ID) {
			t.Errorf("member = %+v", m)
		}
	}
	w.Channels[0].Name = "changed"
	w.Members[0].Username = "changed"
	if again := s.World(); again.Channels[0].Name != "general" || again.Members[0].Username == "changed" {
		t.Error("World returned shared slices")
	}
}

func TestServer_StartTwice(t *testing.T) {
	s := MustStart(t, sim.Config{}, nil)
	if err := s.Start(); !errors.Is(err, sim.ErrAlreadyStarted) {
		t.Fatalf("second Start = %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close = %v", err)
	}
}

package sim

import (
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Intent bits the platform defines (docs/protocol.md §5). A bot names the
// events it wants in Identify; the simulator dispatches an event to a session
// only when the matching bit was identified.
const (
	IntentGuilds                uint32 = 1 << 0
	IntentGuildMembers          uint32 = 1 << 1
	IntentGuildMessages         uint32 = 1 << 9 // MESSAGE_CREATE; private-domain bots only
	IntentGuildMessageReactions uint32 = 1 << 10
	IntentDirectMessages        uint32 = 1 << 12
	IntentOpenForums            uint32 = 1 << 18
	IntentAudioOrLiveChannel    uint32 = 1 << 19
	IntentEnterAIO              uint32 = 1 << 23
	IntentGroupAndC2C           uint32 = 1 << 25
	IntentInteraction           uint32 = 1 << 26
	IntentMessageAudit          uint32 = 1 << 27
	IntentForums                uint32 = 1 << 28
	IntentAudioAction           uint32 = 1 << 29
	IntentPublicGuildMessages   uint32 = 1 << 30 // AT_MESSAGE_CREATE
	AllIntents                  uint32 = IntentGuilds | IntentGuildMembers | IntentGuildMessages |
		IntentGuildMessageReactions | IntentDirectMessages | IntentOpenForums | IntentAudioOrLiveChannel |
		IntentEnterAIO | IntentGroupAndC2C | IntentInteraction | IntentMessageAudit | IntentForums |
		IntentAudioAction | IntentPublicGuildMessages
)

// legacyIntents are the Discord-era bits 2–8, 11, 13 and 14 that the SDKs
// still declare. The simulator recognises them (so they are not "invalid",
// 4013) but never grants them (4014), because no QQ event maps to them.
const (
	legacyIntents     uint32 = 0x7f<<2 | 1<<11 | 1<<13 | 1<<14
	recognisedIntents        = AllIntents | legacyIntents
)

// Defaults and limits. The timing values follow docs/protocol.md where it
// names them (§1.2, §3.3, §7.4) and are otherwise generous enough for tests.
const (
	defaultAppID             = "102000001"
	defaultTokenTTL          = 7200 * time.Second
	defaultHeartbeatInterval = 41250 * time.Millisecond
	secretLength             = 32
	botTokenLength           = 32
	minTokenTTL              = time.Second
	minHeartbeatInterval     = time.Millisecond
	tokenRotationWindow      = 60 * time.Second
	replyWindow              = 5 * time.Minute
	sessionRetention         = 5 * time.Minute
	sessionStartTotal        = 1000
	sessionStartResetPeriod  = 24 * time.Hour
	maxKeptMessages          = 10000
	maxKeptEvents            = 10000
	maxSessionLog            = 1000
	maxRequestBody           = 1 << 20
	maxFrameSize             = 1 << 16
	writeTimeout             = 5 * time.Second
	closeFrameTimeout        = time.Second
	maxShards                = 64
	c2cReplyWindow           = 60 * time.Minute
	maxOpenReplies           = 5  // passive replies per group/C2C message (§7.4)
	guildActivePerDay        = 20 // per channel
	dmActivePerDay           = 2  // per user
	openActivePerMonth       = 4  // per group or user, before 2025-04-21
	recallWindow             = 2 * time.Minute
)

// Config configures a Server. The zero value is a working simulator with
// random credentials; every field documents its default.
type Config struct {
	// AppID is the bot's application id, a numeric string as the platform
	// issues them. Default "102000001".
	AppID string

	// Secret is the AppSecret the token service accepts as clientSecret.
	// Default: 32 random alphanumeric characters (read it with Server.Secret).
	Secret string

	// BotToken is the legacy fixed token accepted as "Bot <appid>.<token>"
	// on REST and in Identify/Resume. Default: 32 random alphanumeric
	// characters (read it with Server.BotToken).
	BotToken string

	// TokenTTL is the access-token lifetime reported in expires_in. Default
	// 7200s. Values of 60s or less make every token request mint a fresh
	// token, since the platform rotates inside the last 60 s. Minimum 1s.
	TokenTTL time.Duration

	// HeartbeatInterval is announced in Hello. A connection that sends no
	// heartbeat for 1.5× this interval is closed with 4009. Default 41250ms;
	// minimum 1ms.
	HeartbeatInterval time.Duration

	// GrantedIntents are the intents a bot may identify with; identifying
	// with any other §5 intent closes the connection with 4014. Zero means
	// every intent of docs/protocol.md §5 (AllIntents), which suits local
	// development. It must be a subset of AllIntents. SetGrantedIntents
	// (POST /sim/intents) changes it while the server runs, as a console
	// approval or revocation would.
	GrantedIntents uint32

	// MessageDelay makes the server wait this long before answering each
	// POST /channels/{id}/messages, to exercise client timeouts and
	// concurrency. Requests still run concurrently. Default 0 (no delay).
	MessageDelay time.Duration

	// Addr is the TCP address to listen on. Default "127.0.0.1:0" (a random
	// loopback port).
	Addr string

	// Shards is the shard count GET /gateway/bot recommends; SDKs open that
	// many connections. Default 1. At most 64.
	Shards uint32

	// MaxConcurrency is session_start_limit.max_concurrency. botgo waits
	// round(2s / MaxConcurrency), at least 1 s, before every connect.
	// Default 1, as on the platform.
	MaxConcurrency uint32

	// SessionStarts is session_start_limit.total: identifies allowed per
	// 24 h. Default 1000.
	SessionStarts uint32

	// Platform2025 emulates the platform as it behaves since 2025-04-21:
	// the legacy "Bot <appid>.<token>" credential is refused (REST 401 with
	// code 11245, gateway close 4004), and active (unsolicited) group and
	// C2C messages are refused with 40034102. Default false: legacy tokens
	// work and group/C2C active messages have their old monthly quota.
	Platform2025 bool

	// Audit turns on the audit path of §7.4: guild and DM messages are
	// answered with HTTP 202 and code 304023 (active) or 304024 (reply),
	// body data.message_audit.audit_id, and a MESSAGE_AUDIT_PASS event
	// (MESSAGE_AUDIT_REJECT for messages the "audit_reject" fault selects)
	// follows. Default false: messages are accepted at once.
	Audit bool

	// NoMarkdown plays a bot without the markdown and keyboard permissions,
	// which the platform grants on application: a message with markdown is
	// refused with 304036, one with a custom keyboard with 304037. Default
	// false: the bot has both.
	NoMarkdown bool

	// WebhookURL, when set, makes the simulator also deliver every event by
	// HTTP callback (§10): it validates the URL with op 13 first, then POSTs
	// signed op-0 envelopes and retries failures with the same event id.
	// Default "" (gateway only).
	WebhookURL string

	// Logger receives debug logs about connections and requests. Nil
	// discards them.
	Logger *slog.Logger

	// IPAllowList, when not empty, is the bot's IP allow-list of the
	// production platform: REST calls and gateway connections from any
	// other address are refused with 401 and code 11298 ("接口访问源IP不在
	// 白名单", err_code 40023002), as the platform answers a bot deployed
	// on a machine its operator has not listed. The token service is not
	// behind it. Entries are IP addresses as net.ParseIP reads them.
	IPAllowList []string

	// Clock is the platform clock: token lifetimes, reply windows,
	// quotas, session retention and timestamps follow it. Nil means
	// time.Now. A test harness running its bot on virtual time passes
	// the same clock here and to openapi.Config.Clock, so that the
	// platform and the client agree on how old a message is.
	Clock func() time.Time
}

// Validate reports the first invalid field. New calls it; zero values are
// always valid.
func (c Config) Validate() error {
	for _, a := range c.IPAllowList {
		if net.ParseIP(a) == nil {
			return fmt.Errorf("%w: IP allow-list entry %q is not an IP address", ErrInvalidConfig, a)
		}
	}
	if c.AppID != "" {
		if _, err := strconv.ParseUint(c.AppID, 10, 64); err != nil || c.AppID[0] == '0' {
			return fmt.Errorf("%w: app id %q is not a positive decimal number", ErrInvalidConfig, c.AppID)
		}
	}
	if strings.ContainsFunc(c.Secret, isSpaceOrControl) {
		return fmt.Errorf("%w: secret contains whitespace", ErrInvalidConfig)
	}
	if strings.ContainsFunc(c.BotToken, isSpaceOrControl) {
		return fmt.Errorf("%w: bot token contains whitespace", ErrInvalidConfig)
	}
	if c.TokenTTL < 0 || (c.TokenTTL > 0 && c.TokenTTL < minTokenTTL) {
		return fmt.Errorf("%w: token ttl %v is below %v", ErrInvalidConfig, c.TokenTTL, minTokenTTL)
	}
	if c.HeartbeatInterval < 0 || (c.HeartbeatInterval > 0 && c.HeartbeatInterval < minHeartbeatInterval) {
		return fmt.Errorf("%w: heartbeat interval %v is below %v", ErrInvalidConfig, c.HeartbeatInterval, minHeartbeatInterval)
	}
	if extra := c.GrantedIntents &^ AllIntents; extra != 0 {
		return fmt.Errorf("%w: granted intents contain unknown bits %#x", ErrInvalidConfig, extra)
	}
	if c.Shards > maxShards {
		return fmt.Errorf("%w: shards %d exceeds %d", ErrInvalidConfig, c.Shards, maxShards)
	}
	if c.WebhookURL != "" {
		u, err := url.Parse(c.WebhookURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("%w: webhook url %q is not an http(s) url", ErrInvalidConfig, c.WebhookURL)
		}
	}
	if c.MessageDelay < 0 {
		return fmt.Errorf("%w: message delay %v is negative", ErrInvalidConfig, c.MessageDelay)
	}
	return nil
}

// withDefaults fills every zero field. Random credentials are drawn here so
// that two simulators never accept each other's tokens.
func (c Config) withDefaults() Config {
	if c.AppID == "" {
		c.AppID = defaultAppID
	}
	if c.Secret == "" {
		c.Secret = randomAlnum(secretLength)
	}
	if c.BotToken == "" {
		c.BotToken = randomAlnum(botTokenLength)
	}
	if c.TokenTTL == 0 {
		c.TokenTTL = defaultTokenTTL
	}
	if c.HeartbeatInterval == 0 {
		c.HeartbeatInterval = defaultHeartbeatInterval
	}
	if c.GrantedIntents == 0 {
		c.GrantedIntents = AllIntents
	}
	if c.Addr == "" {
		c.Addr = "127.0.0.1:0"
	}
	if c.Shards == 0 {
		c.Shards = 1
	}
	if c.MaxConcurrency == 0 {
		c.MaxConcurrency = 1
	}
	if c.SessionStarts == 0 {
		c.SessionStarts = sessionStartTotal
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	return c
}

func isSpaceOrControl(r rune) bool {
	return r <= ' ' || r == 0x7f
}

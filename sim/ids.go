package sim

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"time"

	"github.com/google/uuid"
)

// chinaTime is the +08:00 offset every platform timestamp carries (§9).
var chinaTime = time.FixedZone("CST", 8*60*60)

// timestamp formats t the way the platform does: RFC3339, +08:00, seconds.
func timestamp(t time.Time) string {
	return t.In(chinaTime).Format(time.RFC3339)
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	// crypto/rand.Read never fails since Go 1.24; it crashes the program
	// instead, so there is no error worth handling here.
	_, _ = rand.Read(b)
	return b
}

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// randomAlnum returns n characters from [A-Za-z0-9]. The modulo bias of
// 256 % 62 is irrelevant for test credentials.
func randomAlnum(n int) string {
	b := randomBytes(n)
	for i := range b {
		b[i] = alnum[int(b[i])%len(alnum)]
	}
	return string(b)
}

// newAccessToken looks like the opaque URL-safe tokens bots.qq.com issues.
func newAccessToken() string {
	return base64.RawURLEncoding.EncodeToString(randomBytes(36))
}

// newMessageID returns a long opaque hex id; guild message ids are not
// numbers (§9), so clients must not parse them.
func newMessageID() string {
	return "08" + hex.EncodeToString(randomBytes(25))
}

// newTraceID is the per-response X-Tps-trace-ID value.
func newTraceID() string {
	return hex.EncodeToString(randomBytes(16))
}

// newEventID is the envelope id of a dispatch, "<T>:<uuid>" (§3.1).
func newEventID(t string) string {
	return t + ":" + uuid.NewString()
}

// shardOf applies the routing rule of §2.2: (guild_id >> 22) % count.
func shardOf(guildID string, count uint64) uint64 {
	id, err := strconv.ParseUint(guildID, 10, 64)
	if err != nil || count == 0 {
		return 0
	}
	return (id >> 22) % count
}

// newOpenMessageID is a group/C2C message id, "ROBOT1.0_<opaque>" (§9).
func newOpenMessageID() string {
	return "ROBOT1.0_" + base64.RawURLEncoding.EncodeToString(randomBytes(36))
}

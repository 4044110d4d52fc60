package host

import (
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/luabot/luabot/bindings"
	"github.com/luabot/luabot/kv"
)

// Grant is what the operator lets one script do, for hosting scripts the
// operator did not write. FullGrant is a script without limits; a call
// outside the grant returns nil, err naming the missing capability
// (bindings.Caps), is counted (CapabilityObserver) and logged at most once a
// minute per script.
type Grant struct {
	// Header lets the script's `-- luabot:` header ask for more than the
	// operator's defaults: cpu, memory and inbox above Config.Limits (up to
	// MaxCPU and MaxMemory) and http= hosts. Without it those fields are
	// ignored, with one warning at load. A header's caps= narrows the grant
	// either way: a script may always give up what it does not use.
	Header bool
	// Send lists where qq.send and its siblings may post ("channel:ID",
	// "group:OPENID", "user:OPENID", "dm:GUILD_ID"); nil means anywhere.
	Send []string
	// Active allows messages that answer no event; Request allows
	// qq.request; SharedKV allows kv.open; Admin allows the administration
	// calls (bindings.AdminFunctions and the same routes through qq.request).
	Active, Request, SharedKV, Admin bool
	// KVBytes and KVKeys are the quota of the script's own kv namespace;
	// zero keeps the store's.
	KVBytes, KVKeys int64
	// SendsPerMinute caps the messages the script sends in any minute; 0
	// means no cap.
	SendsPerMinute int
}

// FullGrant allows everything: what a script gets without Config.Grants.
func FullGrant() Grant {
	return Grant{Header: true, Active: true, Request: true, SharedKV: true, Admin: true}
}

// Grants are the operator's grants (Config.Grants): one per script name,
// and Default for every script not named.
type Grants struct {
	Default *Grant // nil: FullGrant
	Scripts map[string]Grant
}

// For returns the grant of script name.
func (g *Grants) For(name string) Grant {
	if g == nil {
		return FullGrant()
	}
	if gr, ok := g.Scripts[name]; ok {
		return gr
	}
	if g.Default != nil {
		return *g.Default
	}
	return FullGrant()
}

// GrantOf is the grant script name gets from grants, narrowed by the caps=
// field of its header (src). The error is a header's unknown capability,
// "line N: …".
func GrantOf(grants *Grants, name, src string) (Grant, error) {
	g := grants.For(name)
	caps, declared, err := scriptCaps(src)
	if err != nil {
		return g, err
	}
	if declared {
		g = g.narrow(caps)
	}
	return g, nil
}

// Closest is the candidate nearest to name by edit distance, or "" when
// none is near enough to be what was meant: for "did you mean" hints.
func Closest(name string, candidates []string) string { return closest(name, candidates) }

// CapabilityObserver is a ScriptObserver that also counts refused calls, by
// capability (one of bindings.Capabilities or "sends_per_minute"). It is
// optional, so that observers written before capabilities keep working.
type CapabilityObserver interface {
	CapabilityDenied(capability string)
}

// scriptCaps reads the capabilities a script's header says it uses:
//
//	-- luabot: caps=send,shared_kv
//
// Every capability it leaves out is taken away from the grant (send: no
// qq.send*; ev:reply keeps working). declared is false without a caps=
// field; caps= with nothing after it declares none.
func scriptCaps(src string) (caps []string, declared bool, err error) {
	for _, hf := range headerFields(src) {
		value, ok := strings.CutPrefix(hf.field, "caps=")
		if !ok {
			continue
		}
		declared = true
		for _, c := range strings.Split(value, ",") {
			if c = strings.TrimSpace(c); c == "" {
				continue
			}
			if !slices.Contains(bindings.Capabilities, c) {
				msg := fmt.Sprintf("line %d: unknown capability %q (%s)", hf.line, c, strings.Join(bindings.Capabilities, ", "))
				if near := closest(c, bindings.Capabilities); near != "" {
					msg = fmt.Sprintf("line %d: unknown capability %q; did you mean %q?", hf.line, c, near)
				}
				return nil, true, fmt.Errorf("%s", msg)
			}
			caps = append(caps, c)
		}
	}
	return caps, declared, nil
}

// narrow takes away from g what a header's caps= leaves out.
func (g Grant) narrow(caps []string) Grant {
	has := func(c string) bool { return slices.Contains(caps, c) }
	if !has(bindings.CapSend) {
		g.Send = []string{}
	}
	g.Active = g.Active && has(bindings.CapActive)
	g.Request = g.Request && has(bindings.CapRequest)
	g.SharedKV = g.SharedKV && has(bindings.CapSharedKV)
	g.Admin = g.Admin && has(bindings.CapAdmin)
	return g
}

// Allows reports whether g gives capability at all (for send: to some
// target).
func (g Grant) Allows(capability string) bool {
	switch capability {
	case bindings.CapSend:
		return g.Send == nil || len(g.Send) > 0
	case bindings.CapActive:
		return g.Active
	case bindings.CapRequest:
		return g.Request
	case bindings.CapSharedKV:
		return g.SharedKV
	case bindings.CapAdmin:
		return g.Admin
	}
	return true
}

// HeaderHint is the hint of a call refused because the script's own caps=
// header leaves the capability out, though the operator grants it.
func HeaderHint(capability string) string {
	return fmt.Sprintf("the script's own header leaves it out: add %s to its -- luabot: caps= line", capability)
}

// caps turns g into what the bindings enforce.
func (g Grant) caps() bindings.Caps {
	return bindings.Caps{
		Send:           g.Send,
		NoActive:       !g.Active,
		NoRequest:      !g.Request,
		NoSharedKV:     !g.SharedKV,
		NoAdmin:        !g.Admin,
		SendsPerMinute: g.SendsPerMinute,
	}
}

// quotaStore is a Store whose namespaces can have quotas of their own
// (*kv.Store and kvredis); with another store a grant's kv quota is not
// applied, and loading says so.
type quotaStore interface {
	SetQuota(ns string, q kv.Quota)
}

// denials counts and logs one script version's refused calls: every
// refusal is counted, and a log line is written at most once a minute (on
// the script's clock), saying how many were refused since the last one.
type denials struct {
	log   *slog.Logger // names the script
	clock bindings.Clock
	obs   CapabilityObserver // nil: not counted
	hint  func(capability string) string

	mu    sync.Mutex
	last  time.Time // when the last line was written; zero before the first
	quiet int       // refusals since then that no line told of
}

func (d *denials) denied(capability, detail string) {
	if d.obs != nil {
		d.obs.CapabilityDenied(capability)
	}
	now := d.clock.Now()
	d.mu.Lock()
	if !d.last.IsZero() && now.Sub(d.last) < time.Minute && now.Sub(d.last) > -time.Minute {
		d.quiet++
		d.mu.Unlock()
		return
	}
	quiet := d.quiet
	d.last, d.quiet = now, 0
	d.mu.Unlock()
	attrs := []any{"capability", capability, "call", detail}
	if quiet > 0 {
		attrs = append(attrs, "also_refused", quiet)
	}
	if d.hint != nil {
		attrs = append(attrs, "hint", d.hint(capability))
	}
	d.log.Warn("script call refused: capability not granted (logged at most once a minute)", attrs...)
}

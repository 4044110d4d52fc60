package transport

import (
	"encoding/json"
	"fmt"

	"github.com/luabot/luabot/gateway"
)

// GatewayNamespace is the kv namespace holding the gateway's sessions and dedup window.
// A script's namespace is its file name without ".lua", which never contains "/", so no
// script can read or clobber it.
const GatewayNamespace = "/gateway"

const dedupKey = "dedup"

// SessionStore keeps gateway sessions (one key per shard) and the dedup window in the kv
// file, in GatewayNamespace. It implements gateway.SessionStore and gateway.DedupStore.
type SessionStore struct {
	store KV
}

// NewSessionStore returns a SessionStore over s.
func NewSessionStore(s KV) *SessionStore { return &SessionStore{store: s} }

// SessionKey is the kv key of a shard's session: "session/<id>/<count>".
func SessionKey(shard [2]int) string { return fmt.Sprintf("session/%d/%d", shard[0], shard[1]) }

// LoadSession returns the session saved for shard.
func (s *SessionStore) LoadSession(shard [2]int) (gateway.Session, bool, error) {
	raw, ok, err := s.store.Get(GatewayNamespace, SessionKey(shard))
	if err != nil || !ok {
		return gateway.Session{}, false, err
	}
	var sess gateway.Session
	if err := json.Unmarshal(raw, &sess); err != nil {
		return gateway.Session{}, false, fmt.Errorf("decode session %s: %w", SessionKey(shard), err)
	}
	return sess, true, nil
}

// SaveSession records sess under its shard.
func (s *SessionStore) SaveSession(sess gateway.Session) error {
	raw, err := json.Marshal(sess)
	if err != nil {
		return err
	}
	return s.store.Set(GatewayNamespace, SessionKey(sess.Shard), raw)
}

// LoadSeen returns the saved dedup window.
func (s *SessionStore) LoadSeen() ([]string, error) {
	raw, ok, err := s.store.Get(GatewayNamespace, dedupKey)
	if err != nil || !ok {
		return nil, err
	}
	var ids []string
	if err := json.Unmarshal(raw, &ids); err != nil {
		return nil, fmt.Errorf("decode dedup window: %w", err)
	}
	return ids, nil
}

// SaveSeen replaces the saved dedup window.
func (s *SessionStore) SaveSeen(ids []string) error {
	raw, err := json.Marshal(ids)
	if err != nil {
		return err
	}
	return s.store.Set(GatewayNamespace, dedupKey, raw)
}

// Interface guards.
var (
	_ gateway.SessionStore = (*SessionStore)(nil)
	_ gateway.DedupStore   = (*SessionStore)(nil)
)

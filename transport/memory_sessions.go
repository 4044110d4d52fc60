package transport

import (
	"slices"
	"sync"

	"github.com/luabot/luabot/gateway"
)

// MemorySessions keeps sessions and the dedup window in memory only: for a
// platform that lives no longer than the process (the embedded simulator of
// `luabot dev`), where a session saved by an earlier run could only be
// refused (op 9) by the fresh platform.
type MemorySessions struct {
	mu       sync.Mutex
	sessions map[[2]int]gateway.Session
	seen     []string
}

var _ Stores = (*MemorySessions)(nil)

// NewMemorySessions returns an empty MemorySessions.
func NewMemorySessions() *MemorySessions {
	return &MemorySessions{sessions: map[[2]int]gateway.Session{}}
}

// LoadSession implements gateway.SessionStore.
func (m *MemorySessions) LoadSession(shard [2]int) (gateway.Session, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sessions[shard]
	return s, ok && s.ID != "", nil
}

// SaveSession implements gateway.SessionStore.
func (m *MemorySessions) SaveSession(s gateway.Session) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sessions[s.Shard] = s
	return nil
}

// LoadSeen implements gateway.DedupStore.
func (m *MemorySessions) LoadSeen() ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.seen), nil
}

// SaveSeen implements gateway.DedupStore.
func (m *MemorySessions) SaveSeen(ids []string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.seen = slices.Clone(ids)
	return nil
}

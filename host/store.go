package host

import "github.com/luabot/luabot/bindings"

// Store is what the host needs of a kv store: the bindings' view of it
// (the scripts' namespaces) plus the handled-event records it keeps there
// itself. The bbolt file (*kv.Store) and the Redis store (kvredis) are two.
type Store interface {
	bindings.Store
}

// fileStore is a Store kept in a local file (the bbolt one): the control
// socket's backup and check need it, and the file is one no script may
// send. A shared store has neither.
type fileStore interface {
	Path() string
	WriteBackup(path string) (int64, error)
	Check() ([]string, error)
}

package kv

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// DefaultPath is where the store lives when Config.Path is empty.
const DefaultPath = "luabot.db"

// Config configures a Store. The zero value opens DefaultPath.
type Config struct {
	// Path of the bbolt file; created if missing. Default DefaultPath.
	Path string
	// LockTimeout bounds how long Open waits for another process holding the
	// file. Default 2 s: long enough for a restart, short enough that a second
	// luabot on the same file fails with a clear error instead of hanging.
	LockTimeout time.Duration
	// ReadOnly opens an existing file without writing to it (a backup or a
	// check of a store no process is running on).
	ReadOnly bool
	// Quota bounds each script and shared namespace (quota.go).
	Quota Quota
	// Observer, if set, hears of every write transaction, for metrics. Nil means
	// nobody listens.
	Observer Observer
}

// Observer hears of the store's write transactions (package metrics implements it; kv
// never imports a metrics library). Commit is called after each one with how long it
// took, the wait for the write lock included, and its error; it must not block.
type Observer interface {
	Commit(took time.Duration, err error)
}

// ErrLocked is returned by Open when another process holds the file.
var ErrLocked = errors.New("the file is in use by another process")

// Store is an open key-value file.
type Store struct {
	db       *bolt.DB
	path     string
	usage    usageBook
	observer Observer // nil: nobody listens
	group    group    // Batch calls waiting to commit (group.go)
}

// Open opens (creating if needed) the store file. A file bbolt cannot read
// (damaged pages, truncation) gives a *DamagedError, never a panic: Open
// reads every page that holds a key before it returns (damage.go), so a
// store that opens can be read to the end.
func Open(cfg Config) (*Store, error) {
	if cfg.Path == "" {
		cfg.Path = DefaultPath
	}
	if cfg.LockTimeout <= 0 {
		cfg.LockTimeout = 2 * time.Second
	}
	// A panic inside bolt.Open leaves its file open, mapped and locked;
	// keep hold of it to release the lock (unlock.go).
	var file *os.File
	opts := &bolt.Options{Timeout: cfg.LockTimeout, ReadOnly: cfg.ReadOnly,
		OpenFile: func(name string, flag int, perm os.FileMode) (*os.File, error) {
			f, err := os.OpenFile(name, flag, perm)
			file = f
			return f, err
		}}
	var db *bolt.DB
	err := guard(cfg.Path, func() (err error) {
		db, err = bolt.Open(cfg.Path, 0o600, opts)
		return err
	})
	if db == nil && file != nil {
		release(file)
	}
	var damaged *DamagedError
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return nil, fmt.Errorf("kv: %s: %w", cfg.Path, ErrLocked)
	case errors.As(err, &damaged):
		return nil, err
	case errors.Is(err, fs.ErrNotExist) && cfg.ReadOnly:
		return nil, fmt.Errorf("kv: %s does not exist", cfg.Path)
	case isFileError(err):
		return nil, fmt.Errorf("kv: open %s: %w", cfg.Path, err)
	case err != nil:
		// Anything else bbolt refuses (bad magic, checksum, version, a
		// file shorter than its header) is a file it cannot read.
		return nil, &DamagedError{Path: cfg.Path, Cause: err.Error()}
	}
	s := &Store{db: db, path: cfg.Path, observer: cfg.Observer, usage: usageBook{quota: cfg.Quota.withDefaults(), byNS: map[string]Usage{}}}
	if err := s.walk(); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// isFileError tells a problem with the file as a file (permissions, a
// directory, a missing folder) from one with its contents.
func isFileError(err error) bool {
	var pe *fs.PathError
	var errno syscall.Errno
	return errors.As(err, &pe) || errors.As(err, &errno)
}

// Close releases the file.
func (s *Store) Close() error { return s.db.Close() }

// Path reports the file the store uses.
func (s *Store) Path() string { return s.path }

// Get returns a copy of the value at key in namespace ns; ok is false when
// the key (or the namespace) does not exist.
func (s *Store) Get(ns, key string) (val []byte, ok bool, err error) {
	err = s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(ns))
		if b == nil {
			return nil
		}
		v := b.Get([]byte(key))
		if v == nil {
			return nil
		}
		// bbolt's slice is only valid inside the transaction.
		val, ok = append([]byte(nil), v...), true
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("kv get %q: %w", key, err)
	}
	return val, ok, nil
}

// Set stores val at key in namespace ns, creating the namespace on first use.
func (s *Store) Set(ns, key string, val []byte) error {
	if key == "" {
		return errors.New("kv: empty key")
	}
	err := s.write(func(tx *bolt.Tx, q *quotaTx) error {
		b, err := tx.CreateBucketIfNotExists([]byte(ns))
		if err != nil {
			return err
		}
		return q.put(b, ns, []byte(key), val)
	})
	if err != nil {
		return fmt.Errorf("kv set %q: %w", key, err)
	}
	return nil
}

// Delete removes key from namespace ns; deleting a missing key is not an error.
func (s *Store) Delete(ns, key string) error {
	err := s.write(func(tx *bolt.Tx, q *quotaTx) error {
		b := tx.Bucket([]byte(ns))
		if b == nil {
			return nil
		}
		return q.del(b, ns, []byte(key))
	})
	if err != nil {
		return fmt.Errorf("kv delete %q: %w", key, err)
	}
	return nil
}

package kv

import (
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
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
}

// ErrLocked is returned by Open when another process holds the file.
var ErrLocked = errors.New("kv: database file is in use by another process (use --data to pick another file)")

// Store is an open key-value file.
type Store struct {
	db *bolt.DB
}

// Open opens (creating if needed) the store file.
func Open(cfg Config) (*Store, error) {
	if cfg.Path == "" {
		cfg.Path = DefaultPath
	}
	if cfg.LockTimeout <= 0 {
		cfg.LockTimeout = 2 * time.Second
	}
	db, err := bolt.Open(cfg.Path, 0o600, &bolt.Options{Timeout: cfg.LockTimeout})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("open %s: %w", cfg.Path, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("open kv %s: %w", cfg.Path, err)
	}
	return &Store{db: db}, nil
}

// Close releases the file.
func (s *Store) Close() error { return s.db.Close() }

// Path reports the file the store uses.
func (s *Store) Path() string { return s.db.Path() }

// Get returns a copy of the value at key in namespace ns; ok is false when
// the key (or the namespace) does not exist.
func (s *Store) Get(ns, key string) (val []byte, ok bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
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
	err := s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte(ns))
		if err != nil {
			return err
		}
		return b.Put([]byte(key), val)
	})
	if err != nil {
		return fmt.Errorf("kv set %q: %w", key, err)
	}
	return nil
}

// Delete removes key from namespace ns; deleting a missing key is not an error.
func (s *Store) Delete(ns, key string) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(ns))
		if b == nil {
			return nil
		}
		return b.Delete([]byte(key))
	})
	if err != nil {
		return fmt.Errorf("kv delete %q: %w", key, err)
	}
	return nil
}

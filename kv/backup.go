package kv

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	bolt "go.etcd.io/bbolt"
)

// WriteTo writes a consistent copy of the whole store to w: bbolt's
// Tx.WriteTo inside one read transaction, so writers keep going meanwhile
// and the copy is the store as of the moment the transaction began.
func (s *Store) WriteTo(w io.Writer) (n int64, err error) {
	err = s.view(func(tx *bolt.Tx) error {
		n, err = tx.WriteTo(w)
		return err
	})
	return n, err
}

// WriteBackup writes a consistent copy of the store to the file at path,
// replacing it. The copy is written beside it under a temporary name,
// synced and renamed into place, so path never holds half a backup.
func (s *Store) WriteBackup(path string) (int64, error) {
	if fi, err := os.Stat(path); err == nil {
		if cur, err := os.Stat(s.path); err == nil && os.SameFile(fi, cur) {
			return 0, fmt.Errorf("kv: backup to %s: that is the store itself", path)
		}
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return 0, fmt.Errorf("kv: backup: %w", err)
	}
	tmp := f.Name()
	n, err := s.WriteTo(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		var damaged *DamagedError
		if errors.As(err, &damaged) {
			return 0, err
		}
		return 0, fmt.Errorf("kv: backup to %s: %w", path, err)
	}
	return n, nil
}

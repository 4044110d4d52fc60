package kv

import (
	"errors"

	bolt "go.etcd.io/bbolt"
)

// maxProblems bounds the problems Check reports: a badly damaged file has
// one per page.
const maxProblems = 20

// Check runs bbolt's consistency check over the whole file (every page
// reachable or free exactly once, keys in order, page headers sane) and
// returns the problems found, at most maxProblems; none means the file is
// sound. It runs in a write transaction that is rolled back, which is
// what bbolt needs to check safely while other writers wait; on a store
// opened read-only it uses a read transaction.
func (s *Store) Check() (problems []string, err error) {
	err = guard(s.path, func() error {
		tx, err := s.db.Begin(!s.db.IsReadOnly())
		if err != nil {
			return err
		}
		defer tx.Rollback()
		for e := range tx.Check(bolt.WithKVStringer(bolt.HexKVStringer())) {
			if len(problems) < maxProblems {
				problems = append(problems, e.Error())
			}
		}
		return nil
	})
	var damaged *DamagedError
	if errors.As(err, &damaged) {
		return append(problems, damaged.Cause), nil
	}
	return problems, err
}

package kv

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Namespaces returns the name of every namespace in the store, in order,
// the host's own ("/gateway", "/handled"…) included: a console lists them
// and tells an unknown namespace from an empty one.
func (s *Store) Namespaces() ([]string, error) {
	var names []string
	err := s.view(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
			names = append(names, string(name))
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("kv namespaces: %w", err)
	}
	return names, nil
}

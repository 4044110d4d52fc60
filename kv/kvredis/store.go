package kvredis

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/luabot/luabot/kv"
)

// DefaultTimeout bounds each call when Config.Timeout is 0: long enough for
// a server under load, short enough that a handler whose kv call meets an
// outage gets nil, err instead of hanging.
const DefaultTimeout = 2 * time.Second

// Config configures a Store.
type Config struct {
	// Addr is the server's host:port. Required.
	Addr string
	// Username and Password authenticate (AUTH); both may be empty.
	Username, Password string
	// DB is the database number (SELECT).
	DB int
	// TLS connects with TLS, verifying the server's certificate.
	TLS bool
	// Prefix starts every key the store writes, so that several bots can
	// share one server; a bot's processes must use the same one. Required.
	Prefix string
	// Timeout bounds each call. Default DefaultTimeout.
	Timeout time.Duration
	// Quota bounds each script and shared namespace, as in the bbolt file.
	Quota kv.Quota
}

// Store is the kv store on a Redis server. It is safe for concurrent use.
type Store struct {
	rdb     *redis.Client
	cfg     Config
	timeout time.Duration
	quota   kv.Quota
	// own holds the quotas set for single namespaces (SetQuota), under ownMu.
	ownMu sync.Mutex
	own   map[string]kv.Quota
}

var quietOnce sync.Once

// quietLogger drops go-redis's own log lines (pool and reconnect chatter on
// plain stderr); the errors they describe reach the caller anyway.
type quietLogger struct{}

func (quietLogger) Printf(context.Context, string, ...any) {}

// Open connects to the server and checks that it answers within the
// timeout: an unreachable server is an error at start, not at the first
// handler.
func Open(cfg Config) (*Store, error) {
	if cfg.Addr == "" {
		return nil, errors.New("kvredis: Config.Addr is empty")
	}
	if cfg.Prefix == "" {
		return nil, errors.New("kvredis: Config.Prefix is empty")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	quietOnce.Do(func() { redis.SetLogger(quietLogger{}) })
	opts := &redis.Options{
		Addr: cfg.Addr, Username: cfg.Username, Password: cfg.Password, DB: cfg.DB,
		DialTimeout: cfg.Timeout, ReadTimeout: cfg.Timeout, WriteTimeout: cfg.Timeout,
		PoolTimeout: cfg.Timeout,
		// One attempt per call: the caller's deadline is the bound, and a
		// retry inside it would only hide which call failed.
		MaxRetries: -1,
		// RESP2: the replies used here are the same in both, and RESP2
		// needs no HELLO (older servers, proxies).
		Protocol: 2,
	}
	if cfg.TLS {
		opts.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	s := &Store{rdb: redis.NewClient(opts), cfg: cfg, timeout: cfg.Timeout, quota: withDefaults(cfg.Quota)}
	s.rdb.AddHook(&breaker{})
	if err := s.Ping(); err != nil {
		s.rdb.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the connections.
func (s *Store) Close() error { return s.rdb.Close() }

// Addr is the server's address (never the password).
func (s *Store) Addr() string { return s.cfg.Addr }

// Prefix is the prefix of every key of the store.
func (s *Store) Prefix() string { return s.cfg.Prefix }

// Client is the connection, for the parts of luabot that keep other shared
// state beside kv (leases, timer claims); they use keys under Prefix.
func (s *Store) Client() *redis.Client { return s.rdb }

// Timeout is the deadline of each call.
func (s *Store) Timeout() time.Duration { return s.timeout }

// Ping checks that the server answers.
func (s *Store) Ping() error {
	ctx, cancel := s.ctx()
	defer cancel()
	if err := s.rdb.Ping(ctx).Err(); err != nil {
		return s.wrap("ping", authHint(err))
	}
	return nil
}

// authHint adds what to do to the server's refusals of the credentials, which
// name neither the URL nor the fix.
func authHint(err error) error {
	switch msg := err.Error(); {
	case strings.HasPrefix(msg, "NOAUTH"):
		return fmt.Errorf("%w (the server wants a password: put it in the URL, as rediss://:PASSWORD@HOST:PORT/DB, or USER:PASSWORD@ for an ACL user)", err)
	case strings.HasPrefix(msg, "WRONGPASS"):
		return fmt.Errorf("%w (check the user and password in the URL)", err)
	}
	return err
}

func (s *Store) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), s.timeout)
}

// wrap names the server in an error from it.
func (s *Store) wrap(what string, err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		err = fmt.Errorf("no answer within %s", s.timeout)
	}
	return &Error{Addr: s.cfg.Addr, Op: what, Err: err}
}

// Error is a call the server did not answer or refused.
type Error struct {
	Addr string
	Op   string
	Err  error
}

func (e *Error) Error() string { return fmt.Sprintf("kv: redis %s: %s: %v", e.Addr, e.Op, e.Err) }
func (e *Error) Unwrap() error { return e.Err }

func (s *Store) valuesKey(ns string) string { return s.cfg.Prefix + "kv:" + ns }
func (s *Store) orderKey(ns string) string  { return s.cfg.Prefix + "kz:" + ns }
func (s *Store) usageKey(ns string) string  { return s.cfg.Prefix + "ku:" + ns }

// Get returns the value at key in namespace ns; ok is false when absent.
func (s *Store) Get(ns, key string) ([]byte, bool, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	v, err := s.rdb.HGet(ctx, s.valuesKey(ns), key).Bytes()
	switch {
	case errors.Is(err, redis.Nil):
		return nil, false, nil
	case err != nil:
		return nil, false, s.wrap(fmt.Sprintf("get %q", key), err)
	}
	return v, true, nil
}

// Set stores val at key in namespace ns.
func (s *Store) Set(ns, key string, val []byte) error {
	if key == "" {
		return errors.New("kv: empty key")
	}
	if val == nil {
		val = []byte{}
	}
	return s.Commit([]kv.Op{{NS: ns, Key: key, Val: val}})
}

// Delete removes key from namespace ns; a missing key is not an error.
func (s *Store) Delete(ns, key string) error {
	return s.Commit([]kv.Op{{NS: ns, Key: key}})
}

// Size reports the stored size of key in ns (its value's length).
func (s *Store) Size(ns, key string) (int, bool, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	pipe := s.rdb.Pipeline()
	ex := pipe.HExists(ctx, s.valuesKey(ns), key)
	n := pipe.HStrLen(ctx, s.valuesKey(ns), key)
	if _, err := pipe.Exec(ctx); err != nil {
		return 0, false, s.wrap(fmt.Sprintf("size %q", key), err)
	}
	return int(n.Val()), ex.Val(), nil
}

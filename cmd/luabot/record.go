package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/luabot/luabot/dispatch"
	"github.com/luabot/luabot/host"
	"github.com/luabot/luabot/metrics"
	"github.com/luabot/luabot/openapi"
	"github.com/luabot/luabot/record"
)

// recordFlags are run's flags for recording what the bot receives and sends.
func recordFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "record", Usage: "append every event and what the scripts sent in answer to this file (JSON lines; user ids, names and text redacted), for luabot replay", EnvVars: []string{"LUABOT_RECORD"}},
		&cli.BoolFlag{Name: "record-raw", Usage: "with --record: keep user ids, names and message text as they are (the file then holds personal data)"},
	}
}

// observer is what run hands the REST client and the host: the metrics, with a
// recording when --record asks for one.
type observer interface {
	host.Observer
	openapi.Observer
}

// recordOpts is where startRecording reads --record, --record-raw and the credentials
// it must never write (a *cli.Context, or a bot's options from a config file).
type recordOpts interface {
	String(name string) string
	Bool(name string) bool
}

// startRecording opens --record's file for the bot running the scripts in paths and
// returns the observer that feeds it (the metrics m alone without --record) and the
// function that finishes the file, to call once the host has stopped. isCommand tells
// the redaction which words are the scripts' command names (record.WriterConfig.Command).
func startRecording(c recordOpts, paths []string, m *metrics.Metrics, log *slog.Logger, isCommand func(string) bool) (observer, func(), error) {
	path := c.String("record")
	if path == "" {
		if c.Bool("record-raw") {
			return nil, nil, usagef("--record-raw needs --record FILE")
		}
		return m, func() {}, nil
	}
	files, err := host.ScriptFiles(paths)
	if err != nil {
		return nil, nil, usagef("%v", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, nil, usagef("--record: %v", err)
	}
	raw := c.Bool("record-raw")
	if raw {
		log.Warn("recording with --record-raw: the file keeps user ids, names and message text; keep it private and delete it when done", "file", path)
	}
	w := record.NewWriter(f, record.Header{Luabot: version(), Start: time.Now(), Scripts: scriptHashes(files)},
		record.WriterConfig{Raw: raw, Scrub: []string{c.String("secret"), c.String("token")}, Logger: log.With("file", path),
			Command: isCommand})
	stop := func() {
		w.Close()
		if err := f.Close(); err != nil {
			log.Error("recording not closed", "file", path, "err", err)
		}
	}
	return &recorder{Metrics: m, w: w}, stop, nil
}

// scriptHashes names each script file and its SHA-256 for the header.
func scriptHashes(files []string) []record.ScriptHash {
	out := make([]record.ScriptHash, 0, len(files))
	for _, f := range files {
		sum := "unreadable"
		if b, err := os.ReadFile(f); err == nil {
			h := sha256.Sum256(b)
			sum = hex.EncodeToString(h[:])
		}
		out = append(out, record.ScriptHash{Name: filepath.Base(f), SHA256: sum})
	}
	return out
}

// recorder is the metrics with a recording beside them: the host tells it of each
// routed event (host.DispatchObserver), the REST client of each call (with the
// handler's Cause in its context).
type recorder struct {
	*metrics.Metrics
	w *record.Writer
}

var (
	_ host.DispatchObserver = (*recorder)(nil)
	_ openapi.CallObserver  = (*recorder)(nil)
)

func (r *recorder) Dispatched(n uint64, ev dispatch.Event) { r.w.Event(n, ev.Type, ev.ID, ev.Data) }
func (r *recorder) Settled(n uint64)                       { r.w.Settled(n) }

func (r *recorder) Call(ctx context.Context, method, path string, body []byte, contentType string) {
	if s, ok := sendOf(ctx, method, path, body, contentType); ok {
		r.w.Sent(s.n, s.Send)
	}
}

// causedSend is a send and the number of the event that caused it.
type causedSend struct {
	record.Send
	n uint64
}

// sendOf describes a call a script made (the host's own calls, and reads, are not
// sends: false).
func sendOf(ctx context.Context, method, path string, body []byte, contentType string) (causedSend, bool) {
	cause, ok := host.CauseOf(ctx)
	if !ok || method == http.MethodGet {
		return causedSend{}, false
	}
	s := record.Send{Script: cause.Script, Method: method, Route: openapi.RouteOf(method, path).Path, Path: path}
	if cause.Dispatch == 0 {
		s.Event = cause.Event
	}
	switch {
	case body == nil:
	case strings.HasPrefix(contentType, "multipart/"):
		s.Form = true
	default:
		s.Body = append([]byte(nil), body...) // the caller keeps its own
	}
	return causedSend{s, cause.Dispatch}, true
}

// describeSend is one line for a send in replay's output.
func describeSend(s *record.Send) string {
	if s == nil {
		return "(nothing)"
	}
	body := string(s.Body)
	if s.Form {
		body = "(a file upload)"
	}
	return fmt.Sprintf("%s %s %s", s.Method, s.Path, body)
}

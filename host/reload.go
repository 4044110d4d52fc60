package host

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/luabot/luabot/openapi"
)

// Live reload. A changed file is compiled and its top level run in a new
// VM while the old version keeps serving; only if that succeeds are the
// two swapped. Events routed before the swap finish on the old VM (its
// queue is handled, its in-flight handlers finish, bounded), events after
// it go to the new one, so nothing is lost or handled twice. kv state is
// in the store, so it carries over. A file that fails to load leaves the
// old version running and the error is logged with file:line.

// list returns the current scripts; the slice is never modified in place.
func (h *Host) list() []*script {
	if p := h.scripts.Load(); p != nil {
		return *p
	}
	return nil
}

// add appends s to the set; the caller holds mu or is still single-threaded.
func (h *Host) add(s *script) {
	next := append(append([]*script(nil), h.list()...), s)
	h.scripts.Store(&next)
}

// startScript runs s's scheduler under the serving context. Caller holds mu.
func (h *Host) startScript(s *script) {
	ctx, cancel := context.WithCancel(h.runCtx)
	s.stopRun = cancel
	s.markStarted()
	wg := h.runWG // serve clears the field before it waits
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(s.done)
		s.run(ctx, h.cfg.Drain)
	}()
}

// swap replaces old with next in the script set (either may be nil) and
// retires old once no event can reach it any more. Caller holds mu.
func (h *Host) swap(old, next *script) {
	if next != nil && h.runCtx != nil {
		h.startScript(next)
	}
	cur := h.list()
	set := make([]*script, 0, len(cur)+1)
	replaced := false
	for _, s := range cur {
		if s == old {
			replaced = true
			if next != nil {
				set = append(set, next)
			}
			continue
		}
		set = append(set, s)
	}
	if !replaced && next != nil {
		set = append(set, next)
	}
	h.routing.Lock()
	h.scripts.Store(&set)
	h.routing.Unlock()
	if old != nil && old.stopRun != nil {
		old.stopRun()
	}
	h.updateHelp()
}

// Reload loads path again, or unloads its script when the file is gone.
// On a load error the running version stays and the error is returned.
func (h *Host) Reload(path string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	name := scriptName(path)
	old := h.script(name)
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		if old != nil {
			h.swap(old, nil)
			h.log.Info("script unloaded", "script", name, "path", path)
			h.observeReload(name, ReloadRemoved)
		}
		return nil
	}
	if err == nil && fi.Size() == 0 && old != nil {
		// An editor that saves by truncating and then writing leaves the
		// file empty for a moment; loading that would leave the script with
		// no handlers, and its events unhandled, until the next save.
		h.log.Info("script file is empty (a save in progress?); the loaded version keeps running: delete the file to unload it",
			"script", name, "path", path)
		return nil
	}
	start := time.Now()
	next, err := loadScript(path, h.deps())
	h.recordLoad(name, path, next, err)
	if err != nil {
		if old != nil {
			h.log.Error("reload failed; the previous version keeps running", "script", name, "err", err)
		} else {
			h.log.Error("script not loaded", "script", name, "err", err)
		}
		h.observeReload(name, ReloadFailed)
		return err
	}
	h.swap(old, next)
	verb := "script reloaded"
	if old == nil {
		verb = "script loaded"
	}
	h.observeReload(name, ReloadOK)
	h.log.Info(verb, "script", name, "path", path, "took", time.Since(start).Round(time.Microsecond),
		"events", strings.Join(next.subscribed, ","))
	h.warnIntents()
	return nil
}

// warnIntents says when scripts now want events the gateway session was
// not identified for: intents are only sent at identify.
// Intents the platform refused are not missed again: that was said once.
// The caller holds h.mu.
func (h *Host) warnIntents() {
	cur := h.source.Load()
	if cur == nil {
		return
	}
	src, ok := cur.Source.(intentSource)
	if !ok {
		return
	}
	if missing := src.MissingIntents(); missing != 0 {
		h.log.Warn("a reloaded script subscribes to events this session does not receive; restart luabot to get them",
			"missing_intents", uint32(missing), "intent_names", missing.String())
	}
}

// LoadSource adds a script from source rather than a file (the REPL's
// own scratch script); path is for messages and require. It starts at once
// if the host is serving.
func (h *Host) LoadSource(name, path, src string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.script(name) != nil {
		return fmt.Errorf("host: a script is already named %q", name)
	}
	s, err := loadSource(name, path, src, h.deps())
	if err != nil {
		return err
	}
	h.swap(nil, s)
	return nil
}

func scriptName(path string) string {
	return strings.TrimSuffix(filepath.Base(path), ".lua")
}

func (h *Host) deps() scriptDeps {
	var replier *openapi.Replier
	if h.cfg.API != nil {
		replier = h.cfg.API.Replier()
	}
	return scriptDeps{
		api:         h.cfg.API,
		replier:     replier,
		store:       h.cfg.Store,
		logger:      h.log,
		limits:      h.cfg.Limits,
		max:         Limits{CPU: h.cfg.MaxCPU, Memory: h.cfg.MaxMemory},
		clock:       h.cfg.Clock,
		handled:     h.handled,
		acks:        h.acks,
		private:     h.privateFiles(),
		onFailure:   h.cfg.OnFailure,
		http:        h.cfg.HTTP,
		grants:      h.cfg.HTTPGrants,
		location:    h.cfg.Location,
		lang:        h.cfg.Lang,
		settings:    h.cfg.Settings,
		settingHint: h.cfg.SettingHint,

		loadBudget: h.cfg.LoadBudget,
		observer:   h.cfg.Observer,
		capGrants:  h.cfg.Grants,
		grantHint:  h.cfg.GrantHint,
	}
}

// privateFiles are the files no script may send with file = "path": the
// data file, and by name everything beside it (socket, status file).
func (h *Host) privateFiles() []string {
	var out []string
	var data string
	if fs, ok := h.cfg.Store.(fileStore); ok {
		data = fs.Path()
	}
	for _, p := range append([]string{data, h.cfg.ControlSocket}, h.cfg.PrivateFiles...) {
		if p == "" {
			continue
		}
		if abs, err := filepath.Abs(p); err == nil {
			p = abs
		}
		out = append(out, p)
	}
	return out
}

// observeReload tells Config.Observer how a reload ended.
func (h *Host) observeReload(name, outcome string) {
	if h.cfg.Observer != nil {
		h.cfg.Observer.Reload(name, outcome)
	}
}

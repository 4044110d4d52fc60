package host

import (
	"context"
	"log/slog"
	"net/url"

	"github.com/luabot/luabot/bindings"
	"github.com/luabot/luabot/openapi"
)

// redactHandler replaces a script's secret settings by *** in every log
// line written about it: the message and every string attribute, the
// script's own log.* and print lines and its handler failures alike.
type redactHandler struct {
	h       slog.Handler
	secrets []string
}

func (r redactHandler) Enabled(ctx context.Context, l slog.Level) bool { return r.h.Enabled(ctx, l) }

func (r redactHandler) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, bindings.Redact(rec.Message, r.secrets), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(r.attr(a))
		return true
	})
	return r.h.Handle(ctx, out)
}

func (r redactHandler) attr(a slog.Attr) slog.Attr {
	switch a.Value.Kind() {
	case slog.KindString:
		return slog.String(a.Key, bindings.Redact(a.Value.String(), r.secrets))
	case slog.KindAny:
		if err, ok := a.Value.Any().(error); ok {
			return slog.String(a.Key, bindings.Redact(err.Error(), r.secrets))
		}
		return slog.String(a.Key, bindings.Redact(a.Value.String(), r.secrets))
	case slog.KindGroup:
		attrs := a.Value.Group()
		out := make([]any, len(attrs))
		for i, g := range attrs {
			out[i] = r.attr(g)
		}
		return slog.Group(a.Key, out...)
	}
	return a
}

func (r redactHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	out := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		out[i] = r.attr(a)
	}
	return redactHandler{r.h.WithAttrs(out), r.secrets}
}

func (r redactHandler) WithGroup(name string) slog.Handler {
	return redactHandler{r.h.WithGroup(name), r.secrets}
}

// scriptSettings returns a script's settings with secret-looking names
// marked secret, and the secret values.
func scriptSettings(settings map[string]bindings.Setting) (map[string]bindings.Setting, []string) {
	out := make(map[string]bindings.Setting, len(settings))
	for k, s := range settings {
		if bindings.IsSecretKey(k) {
			s.Secret = true
		}
		out[k] = s
	}
	return out, bindings.Secrets(out)
}

// scriptAPI is api for one script: the REST client's lines about the
// script's calls (the request line at debug names the path, which the
// script may have built from a secret) go to log, the script's logger,
// which names it and hides its secrets.
func scriptAPI(api bindings.API, log *slog.Logger) bindings.API {
	if api == nil {
		return nil
	}
	return loggedAPI{api, log}
}

type loggedAPI struct {
	api bindings.API
	log *slog.Logger
}

func (a loggedAPI) Do(ctx context.Context, method, path string, query url.Values, in, out any) error {
	return a.api.Do(openapi.WithLogger(ctx, a.log), method, path, query, in, out)
}

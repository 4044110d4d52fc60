package admin

import (
	"encoding/json"
	"net/http"
)

// Healthz answers 200 "ok" while the process can serve HTTP at all: a supervisor's
// liveness check.
func Healthz() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write([]byte("ok\n"))
	})
}

// Readyz answers 200 when check reports ready and 503 when not, with check's report as
// the JSON body either way, so that a not-ready answer says why.
func Readyz(check func() (ready bool, report any)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ready, report := check()
		body, err := json.MarshalIndent(report, "", "  ")
		if err != nil {
			http.Error(w, "readiness report: "+err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		if !ready {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_, _ = w.Write(append(body, '\n'))
	})
}

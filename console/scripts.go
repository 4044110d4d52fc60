package console

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/luabot/luabot/host"
)

func (c *Console) scripts() []host.ScriptInfo {
	if c.cfg.Scripts == nil {
		return []host.ScriptInfo{}
	}
	return c.cfg.Scripts.ScriptInfos()
}

func (c *Console) getScripts(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, c.scripts())
}

func (c *Console) getScript(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	info, ok := host.ScriptInfo{}, false
	if c.cfg.Scripts != nil {
		info, ok = c.cfg.Scripts.ScriptInfo(name)
	}
	if !ok {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no script named %q", name))
		return
	}
	writeJSON(w, http.StatusOK, info)
}

// reloadResult answers a reload: OK, or the error with the script as it
// now is (the previous version still running).
type reloadResult struct {
	OK     bool            `json:"ok"`
	Error  string          `json:"error,omitempty"`
	Script host.ScriptInfo `json:"script"`
}

func (c *Console) postReload(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if c.cfg.Scripts == nil {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no script named %q", name))
		return
	}
	err := c.cfg.Scripts.ReloadScript(name)
	if errors.Is(err, host.ErrNoScript) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no script named %q", name))
		return
	}
	res := reloadResult{OK: err == nil}
	if err != nil {
		res.Error = err.Error()
	}
	res.Script, _ = c.cfg.Scripts.ScriptInfo(name)
	c.log.Info("reload asked from the console", "script", name, "ok", res.OK)
	writeJSON(w, http.StatusOK, res)
}

func (c *Console) getLogs(w http.ResponseWriter, r *http.Request) {
	if c.cfg.Logs == nil {
		writeJSON(w, http.StatusOK, []LogEntry{})
		return
	}
	writeJSON(w, http.StatusOK, c.cfg.Logs.Recent())
}

package sim

import (
	"net"
	"net/http"
)

// codeIPNotAllowed and errCodeIPNotAllowed are what the platform answers a
// call from an address missing from the bot's IP allow-list.
const (
	codeIPNotAllowed    = 11298
	errCodeIPNotAllowed = 40023002
)

// ipAllowed checks the caller against Config.IPAllowList; on refusal it
// writes the 401 and returns false.
func (s *Server) ipAllowed(c *call) bool {
	if len(s.cfg.IPAllowList) == 0 {
		return true
	}
	host, _, err := net.SplitHostPort(c.r.RemoteAddr)
	if err != nil {
		host = c.r.RemoteAddr
	}
	if ip := net.ParseIP(host); ip != nil {
		for _, a := range s.cfg.IPAllowList {
			if allowed := net.ParseIP(a); allowed != nil && allowed.Equal(ip) {
				return true
			}
		}
	}
	c.json(http.StatusUnauthorized, apiError{Message: "接口访问源IP不在白名单", Code: codeIPNotAllowed,
		ErrCode: errCodeIPNotAllowed, TraceID: c.trace})
	return false
}

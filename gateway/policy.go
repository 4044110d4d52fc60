package gateway

import (
	"strconv"
)

// action is what Run does after a connection ends. The table in doc.go is the contract;
// decide is its only implementation.
type action int

const (
	actionResume   action = iota // new connection, Resume (op 6) with the kept session
	actionIdentify               // new connection, Identify (op 2): a new session
	actionStop                   // give up: Run returns a *CloseError
)

func (a action) String() string {
	switch a {
	case actionResume:
		return "resume"
	case actionIdentify:
		return "identify"
	default:
		return "stop"
	}
}

// maxFailedResumes is how many resumes in a row may fail before Run identifies instead.
const maxFailedResumes = 3

// policy is the reconnect state that spans connections.
type policy struct {
	failedResumes int  // resumes in a row that ended before RESUMED without replaying anything
	authFailed    bool // the previous connection ended with 4004
}

// decide maps how a connection ended to what happens next, and names the rule that
// applied (for the decision's log line). hasSession says whether there is a session to
// resume. It updates p.
func (p *policy) decide(out outcome, hasSession bool) (action, string) {
	if out.ready {
		p.failedResumes = 0
		p.authFailed = false
	}
	switch {
	case out.resumeSent && out.delivered:
		// Cut off during its replay: the session is alive and moved on, so
		// a flapping network does not push the bot into a new session
		// (which would lose events).
		p.failedResumes = 0
	case out.resumeSent && !out.ready:
		p.failedResumes++
	}

	var want action
	var rule string
	switch {
	case fatalCloseCodes[out.code]:
		return actionStop, "close " + strconv.Itoa(out.code) + ": configuration or bot state, fatal"
	case out.code == 4004:
		if p.authFailed {
			return actionStop, "close 4004 again after a token refetch: fatal"
		}
		p.authFailed = true
		p.failedResumes = 0
		return actionIdentify, "close 4004: refetch token, identify"
	case out.invalidSession:
		want, rule = actionIdentify, "op 9: identify"
	case out.code == 4006 || out.code == 4007 || (out.code >= 4900 && out.code <= 4999):
		want, rule = actionIdentify, "close "+strconv.Itoa(out.code)+": identify"
	case out.reconnect:
		want, rule = actionResume, "op 7: resume"
	case out.zombie:
		want, rule = actionResume, "no heartbeat ack: resume"
	case out.code == 4008 || out.code == 4009:
		want, rule = actionResume, "close "+strconv.Itoa(out.code)+": resume"
	case out.code == 0 || out.code == 1006:
		want, rule = actionResume, "network error: resume"
	case out.code == 1000 || out.code == 1001:
		want, rule = actionResume, "close "+strconv.Itoa(out.code)+": resume"
	default:
		want, rule = actionIdentify, "close "+strconv.Itoa(out.code)+": identify"
	}
	p.authFailed = false
	if want == actionResume && !hasSession {
		return actionIdentify, rule + " (no session yet, identify)"
	}
	if want == actionResume && p.failedResumes >= maxFailedResumes {
		n := p.failedResumes
		p.failedResumes = 0
		return actionIdentify, rule + " (" + strconv.Itoa(n) + " resumes failed in a row, identify)"
	}
	if want == actionIdentify {
		p.failedResumes = 0
	}
	return want, rule
}

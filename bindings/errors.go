package bindings

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/luabot/luabot/internal/luanum"

	lua "github.com/yuin/gopher-lua"

	"github.com/luabot/luabot/openapi"
	"github.com/luabot/luabot/outbound"
)

// Hints come from openapi: (*openapi.Error).Hint for platform answers, and
// the Hint method of other errors that have one (openapi.ReplyError).
type hinter interface{ Hint() string }

// errorFields is the Lua error table: {status, code, message, trace_id, hint}.
type errorFields struct {
	status  int
	code    int
	message string
	traceID string
	hint    string
	kind    string // outbound errors: outbound.Kind*
}

func fieldsOf(err error) errorFields {
	var apiErr *openapi.Error
	if errors.As(err, &apiErr) {
		return errorFields{
			status:  apiErr.Status,
			code:    apiErr.Code,
			message: apiErr.Message,
			traceID: apiErr.TraceID,
			hint:    apiErr.Hint(),
		}
	}
	f := errorFields{message: err.Error()}
	var outErr *outbound.Error
	if errors.As(err, &outErr) {
		f.kind, f.hint = outErr.Kind, outErr.Hint()
		return f
	}
	var h hinter
	switch {
	case errors.As(err, &h):
		f.hint = h.Hint()
	case errors.Is(err, openapi.ErrTooLarge):
		f.hint = fmt.Sprintf("files up to %d MiB can be uploaded; send a URL (image = \"https://…\") instead", openapi.MaxUploadSize>>20)
	case errors.Is(err, errOutsideDir):
		f.hint = "file = \"path\" names a file inside the script's folder"
	case errors.Is(err, context.Canceled):
		f.message, f.hint = "canceled", "the handler was stopped (shutdown or reload)"
	case errors.Is(err, context.DeadlineExceeded):
		f.message, f.hint = "timed out", "the platform did not answer in time; retry later"
	}
	return f
}

func (f errorFields) String() string {
	s := f.message
	if f.code != 0 {
		s = fmt.Sprintf("code %d: %s", f.code, s)
	}
	if f.status != 0 {
		s = fmt.Sprintf("%d %s", f.status, s)
	}
	if f.hint != "" {
		s += " (" + f.hint + ")"
	}
	if f.traceID != "" {
		s += " [trace " + f.traceID + "]"
	}
	return s
}

// errorValue builds the Lua error table for err.
func (b *binder) errorValue(L *lua.LState, err error) *lua.LTable {
	f := fieldsOf(err)
	t := L.CreateTable(0, 5)
	if f.status != 0 {
		t.RawSetString("status", lua.LNumber(f.status))
	}
	if f.code != 0 {
		t.RawSetString("code", lua.LNumber(f.code))
	}
	t.RawSetString("message", lua.LString(f.message))
	if f.kind != "" {
		t.RawSetString("kind", lua.LString(f.kind))
	}
	if f.traceID != "" {
		t.RawSetString("trace_id", lua.LString(f.traceID))
	}
	if f.hint != "" {
		t.RawSetString("hint", lua.LString(f.hint))
	}
	var fe *FieldError
	if errors.As(err, &fe) {
		t.RawSetString("field", lua.LString(fe.Field))
		if fe.Limit != 0 {
			t.RawSetString("limit", lua.LNumber(fe.Limit))
		}
	}
	var ce *CapabilityError
	if errors.As(err, &ce) {
		capabilityField(t, ce)
	}
	t.Metatable = b.errorMT(L)
	return t
}

func (b *binder) errorMT(L *lua.LState) *lua.LTable {
	if b.errMT != nil {
		return b.errMT
	}
	b.errMT = L.CreateTable(0, 2)
	b.errMT.RawSetString("__tostring", L.NewFunction(func(L *lua.LState) int {
		t := L.CheckTable(1)
		// A script can put anything into these fields; tostring stays one
		// readable line, not three 16 MiB strings joined.
		f := errorFields{
			message: cutField(lua.LVAsString(t.RawGetString("message"))),
			traceID: cutField(lua.LVAsString(t.RawGetString("trace_id"))),
			hint:    cutField(lua.LVAsString(t.RawGetString("hint"))),
		}
		if n, ok := t.RawGetString("status").(lua.LNumber); ok {
			f.status = int(n)
		}
		if n, ok := t.RawGetString("code").(lua.LNumber); ok {
			f.code = int(n)
		}
		L.Push(lua.LString(f.String()))
		return 1
	}))
	return b.errMT
}

// maxErrorField bounds each field of an error's tostring.
const maxErrorField = 4 << 10

func cutField(s string) string {
	if len(s) <= maxErrorField {
		return s
	}
	return s[:maxErrorField] + "…"
}

// fail pushes nil, err for a Go function returning (value, err) to Lua.
func (b *binder) fail(L *lua.LState, err error) int {
	L.Push(lua.LNil)
	L.Push(b.errorValue(L, err))
	return 2
}

// failValues is fail for an asynchronous call's Finish.
func (b *binder) failValues(L *lua.LState, err error) []lua.LValue {
	return []lua.LValue{lua.LNil, b.errorValue(L, err)}
}

// ErrorText is the readable message of an error a Lua call returned: the
// value the script raised (error("x") gives "file:line: x") without the
// stack traceback gopher-lua appends to protected calls.
func ErrorText(err error) string {
	var ae *lua.ApiError
	msg := err.Error()
	if errors.As(err, &ae) && ae.Object != nil {
		msg = ae.Object.String()
		if n, ok := ae.Object.(lua.LNumber); ok {
			msg = luanum.Format(n) // error(3*1.1, 0) says 3.3, as 5.1
		}
	}
	msg, _, _ = strings.Cut(msg, "\nstack traceback:")
	return msg
}

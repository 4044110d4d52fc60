package sim

import "errors"

var (
	// ErrInvalidConfig is returned by Config.Validate and New when a field is
	// out of range; the wrapping message names the field.
	ErrInvalidConfig = errors.New("sim: invalid config")

	// ErrServerClosed is returned by Start, Post and the Wait methods once
	// Close has been called.
	ErrServerClosed = errors.New("sim: server closed")

	// ErrAlreadyStarted is returned by a second call to Start.
	ErrAlreadyStarted = errors.New("sim: server already started")

	// ErrUnknownChannel is returned by Post for a channel id that is not in
	// the world.
	ErrUnknownChannel = errors.New("sim: unknown channel")

	// ErrUnknownAuthor is returned by Post for an author id that is not a
	// (non-bot) member of the world.
	ErrUnknownAuthor = errors.New("sim: unknown author")

	// ErrNegativeIndex is returned by WaitSent for i < 0.
	ErrNegativeIndex = errors.New("sim: negative index")
)

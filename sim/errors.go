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

var (
	// ErrUnknownGuild is returned for a guild id that is not in the world.
	ErrUnknownGuild = errors.New("sim: unknown guild")

	// ErrUnknownGroup is returned for a group openid that is not in the
	// world.
	ErrUnknownGroup = errors.New("sim: unknown group")

	// ErrUnknownMessage is returned by React for a message id the channel
	// does not hold.
	ErrUnknownMessage = errors.New("sim: unknown message")

	// ErrNotReacted is returned by Unreact for a reaction the user has not
	// made.
	ErrNotReacted = errors.New("sim: not reacted")

	// ErrNotVoiceChannel is returned by JoinVoice and LeaveVoice for a
	// channel that is neither a voice nor a live channel.
	ErrNotVoiceChannel = errors.New("sim: not a voice or live channel")

	// ErrUnknownScene is returned by Post and Click for a scene other than
	// the Scene* constants.
	ErrUnknownScene = errors.New("sim: unknown scene")

	// ErrInvalidFault is returned by Inject for a fault it cannot apply;
	// the wrapping message says why.
	ErrInvalidFault = errors.New("sim: invalid fault")
)

package main

import (
	"time"

	"github.com/urfave/cli/v2"
)

// opts is where a command reads a bot's settings: the command line
// (*cli.Context), or a bot of the --config file laid under it.
type opts interface {
	String(name string) string
	Bool(name string) bool
	Int(name string) int
	Int64(name string) int64
	Duration(name string) time.Duration
	StringSlice(name string) []string
	IsSet(name string) bool
}

// fileOpts reads a bot's flag values from the config file. With flags set
// (a single bot), a flag given on the command line or in its environment
// variable wins over the file; without (several bots), what the file does
// not say is the flag's default.
type fileOpts struct {
	flags    *cli.Context // nil with several bots
	file     map[string]any
	defaults map[string]cli.Flag
}

func newFileOpts(c *cli.Context, b *fileBot, defs []cli.Flag) *fileOpts {
	o := &fileOpts{file: b.flags, defaults: map[string]cli.Flag{}}
	for _, f := range defs {
		o.defaults[f.Names()[0]] = f
	}
	o.flags = c
	return o
}

// get returns the file's value, or nil when the flag (or its default) speaks.
func (o *fileOpts) get(name string) any {
	if o.flags != nil && o.flags.IsSet(name) {
		return nil
	}
	return o.file[name]
}

func (o *fileOpts) IsSet(name string) bool {
	_, inFile := o.file[name]
	return inFile || (o.flags != nil && o.flags.IsSet(name))
}

func (o *fileOpts) String(name string) string {
	if v, ok := o.get(name).(string); ok {
		return v
	}
	if o.flags != nil {
		return o.flags.String(name)
	}
	if f, ok := o.defaults[name].(*cli.StringFlag); ok {
		return f.Value
	}
	return ""
}

func (o *fileOpts) Bool(name string) bool {
	if v, ok := o.get(name).(bool); ok {
		return v
	}
	if o.flags != nil {
		return o.flags.Bool(name)
	}
	if f, ok := o.defaults[name].(*cli.BoolFlag); ok {
		return f.Value
	}
	return false
}

func (o *fileOpts) Int(name string) int {
	if v, ok := o.get(name).(int64); ok {
		return int(v)
	}
	if o.flags != nil {
		return o.flags.Int(name)
	}
	if f, ok := o.defaults[name].(*cli.IntFlag); ok {
		return f.Value
	}
	return 0
}

func (o *fileOpts) Int64(name string) int64 {
	if v, ok := o.get(name).(int64); ok {
		return v
	}
	if o.flags != nil {
		return o.flags.Int64(name)
	}
	if f, ok := o.defaults[name].(*cli.Int64Flag); ok {
		return f.Value
	}
	return 0
}

func (o *fileOpts) Duration(name string) time.Duration {
	if v, ok := o.get(name).(string); ok {
		d, _ := time.ParseDuration(v) // checked when the file was read
		return d
	}
	if o.flags != nil {
		return o.flags.Duration(name)
	}
	if f, ok := o.defaults[name].(*cli.DurationFlag); ok {
		return f.Value
	}
	return 0
}

func (o *fileOpts) StringSlice(name string) []string {
	if v, ok := o.get(name).([]string); ok {
		return v
	}
	if o.flags != nil {
		return o.flags.StringSlice(name)
	}
	if f, ok := o.defaults[name].(*cli.StringSliceFlag); ok && f.Value != nil {
		return f.Value.Value()
	}
	return nil
}

package main

import (
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/luabot/luabot/bindings"
)

// langFlag is the language of the texts commands answer with on their own
// (usage lines, argument errors, help, refusals, cooldowns).
func langFlag(defText string) cli.Flag {
	return &cli.StringFlag{Name: "lang",
		Usage:       "language of what commands answer on their own (usage, help, argument errors): " + strings.Join(bindings.Languages(), " or "),
		DefaultText: defText,
		EnvVars:     []string{"LUABOT_LANG"}}
}

// langOf reads --lang, else lang under [bot] in the --config file (fromFile,
// "" when none); "" means English.
func langOf(c opts, fromFile string) (string, error) {
	lang, flag := strings.TrimSpace(c.String("lang")), "--lang"
	if lang == "" {
		lang, flag = fromFile, "lang in the --config file"
	}
	if lang != "" && !bindings.ValidLanguage(lang) {
		return "", usagef("%s %q: want %s", flag, lang, strings.Join(bindings.Languages(), " or "))
	}
	return lang, nil
}

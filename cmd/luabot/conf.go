package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode"

	"github.com/urfave/cli/v2"

	"github.com/luabot/luabot/bindings"
	"github.com/luabot/luabot/host"
)

// confFlags give scripts their settings (config.get): a file, environment
// variables and flags, later ones winning.
func confFlags() []cli.Flag {
	return []cli.Flag{
		configFlag(),
		&cli.StringSliceFlag{Name: "conf", Usage: "a setting for a script, NAME.key=value (repeatable); secrets belong in the file or in LUABOT_SECRET_<NAME>_<KEY>, not on the command line"},
	}
}

// configFlag names the config file (TOML): on run, doctor and status the
// bot or bots; everywhere the scripts' settings.
func configFlag() cli.Flag {
	return &cli.StringFlag{Name: "config", Aliases: []string{"c"},
		Usage:   "config file (TOML): the bot or bots (luabot run, doctor, status), and the scripts' settings under [scripts.NAME] (and [scripts.NAME.secret] for API keys and tokens)",
		EnvVars: []string{"LUABOT_CONFIG"}}
}

// envName is how a script or key name appears in an environment variable.
func envName(s string) string {
	return strings.Map(func(r rune) rune {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return unicode.ToUpper(r)
		}
		return '_'
	}, s)
}

// settingHint tells the bot author where the operator sets key for script.
func settingHint(script, key string) string {
	return fmt.Sprintf("set it with --conf %s.%s=VALUE, the environment variable LUABOT_CONF_%s_%s "+
		"(LUABOT_SECRET_%s_%s for a secret), or as %s = \"…\" under [scripts.%s] in the --config file",
		script, key, envName(script), envName(key), envName(script), envName(key), key, script)
}

// applyConfFlags reads the settings of the scripts in files into cfg: from
// fb (the bot of the --config file that luabot run is starting), or else
// from the --config file, which must then describe a single bot.
func applyConfFlags(c opts, cfg *host.Config, files []string, fb *fileBot) error {
	settings := map[string]map[string]bindings.Setting{}
	set := func(script, key, value string, secret bool) {
		if settings[script] == nil {
			settings[script] = map[string]bindings.Setting{}
		}
		old := settings[script][key]
		settings[script][key] = bindings.Setting{Value: value, Secret: secret || old.Secret}
	}
	fileLang := ""
	if fb != nil {
		fileLang = fb.lang
		if l, ok := fb.flags["lang"].(string); ok {
			fileLang = l // lang = "zh" beside the bot's other keys; [bot] lang is the older spelling
		}
		for script, keys := range fb.scripts {
			for key, value := range keys {
				if sec, ok := value.(map[string]any); ok && key == "secret" {
					for k, v := range sec {
						set(script, k, fmt.Sprint(v), true)
					}
					continue
				}
				set(script, key, fmt.Sprint(value), false)
			}
		}
	}
	lang, err := langOf(c, fileLang)
	if err != nil {
		return err
	}
	cfg.Lang = lang
	// Environment: LUABOT_CONF_<SCRIPT>_<KEY>, LUABOT_SECRET_<SCRIPT>_<KEY>.
	// Script names are matched longest first, so "daily_news" wins over
	// "daily" for LUABOT_CONF_DAILY_NEWS_URL.
	var names []string
	for _, f := range files {
		names = append(names, strings.TrimSuffix(filepath.Base(f), ".lua"))
	}
	sort.Slice(names, func(i, j int) bool { return len(names[i]) > len(names[j]) })
	for _, kv := range os.Environ() {
		name, value, _ := strings.Cut(kv, "=")
		rest, secret := "", false
		switch {
		case strings.HasPrefix(name, "LUABOT_CONF_"):
			rest = strings.TrimPrefix(name, "LUABOT_CONF_")
		case strings.HasPrefix(name, "LUABOT_SECRET_"):
			rest, secret = strings.TrimPrefix(name, "LUABOT_SECRET_"), true
		default:
			continue
		}
		for _, script := range names {
			if key, ok := strings.CutPrefix(rest, envName(script)+"_"); ok && key != "" {
				set(script, strings.ToLower(key), value, secret)
				break
			}
		}
	}
	for _, spec := range c.StringSlice("conf") {
		target, value, ok := strings.Cut(spec, "=")
		script, key, ok2 := strings.Cut(target, ".")
		script = strings.TrimSpace(script)
		key = strings.TrimSpace(key)
		if !ok || !ok2 || script == "" || key == "" {
			if shown, secret := confShown(spec); secret {
				// The error ends up in logs: the value of a secret key is left out.
				return usagef("--conf %s…: want NAME.key=value, e.g. weather.city=北京 (the rest is not shown: a secret "+
					"belongs in the --config file or in LUABOT_SECRET_<NAME>_<KEY>)", shown)
			}
			return usagef("--conf %q: want NAME.key=value, e.g. weather.city=北京", spec)
		}
		set(script, key, value, false)
	}
	cfg.Settings, cfg.SettingHint = settings, settingHint
	return nil
}

// confShown is what an error may show of a malformed --conf spec: when a
// word of it before any "=" names a secret key (api_key, token, …), the spec
// up to that word, and true; the value after it may be the secret.
func confShown(spec string) (string, bool) {
	target, _, _ := strings.Cut(spec, "=")
	end := 0
	for _, word := range strings.FieldsFunc(target, func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '-')
	}) {
		end = strings.Index(spec[end:], word) + end + len(word)
		if bindings.IsSecretKey(word) {
			return spec[:end], true
		}
	}
	return "", false
}

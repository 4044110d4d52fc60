package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
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
		&cli.StringFlag{Name: "config", Usage: "settings file: key = \"value\" lines under [scripts.NAME] (and [scripts.NAME.secret] for API keys and tokens)",
			EnvVars: []string{"LUABOT_CONFIG"}},
		&cli.StringSliceFlag{Name: "conf", Usage: "a setting for a script, NAME.key=value (repeatable); secrets belong in the file or in LUABOT_SECRET_<NAME>_<KEY>, not on the command line"},
	}
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

// applyConfFlags reads the settings of the scripts in files into cfg.
func applyConfFlags(c *cli.Context, cfg *host.Config, files []string) error {
	settings := map[string]map[string]bindings.Setting{}
	set := func(script, key, value string, secret bool) {
		if settings[script] == nil {
			settings[script] = map[string]bindings.Setting{}
		}
		old := settings[script][key]
		settings[script][key] = bindings.Setting{Value: value, Secret: secret || old.Secret}
	}
	fileLang := ""
	if path := c.String("config"); path != "" {
		bot := func(key, value string) {
			if key == "lang" {
				fileLang = value
			}
		}
		if err := readConfFile(path, set, bot); err != nil {
			return usagef("--config: %v", err)
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
			return usagef("--conf %q: want NAME.key=value, e.g. weather.city=北京", spec)
		}
		set(script, key, value, false)
	}
	cfg.Settings, cfg.SettingHint = settings, settingHint
	return nil
}

// readConfFile reads the scripts' sections of a settings file, and the
// bot's own settings under [bot] (lang):
//
//	# comments
//	[bot]
//	lang = "zh"
//	[scripts.weather]
//	city = "北京"
//	units = metric
//	[scripts.weather.secret]
//	api_key = "sk-…"
//
// Other sections are left for other uses.
func readConfFile(path string, set func(script, key, value string, secret bool), bot func(key, value string)) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	script, secret, inBot := "", false, false
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, "[") {
			if !strings.HasSuffix(line, "]") {
				return fmt.Errorf("%s:%d: a section is [scripts.NAME]", path, n)
			}
			section := strings.TrimSpace(line[1 : len(line)-1])
			script, secret, inBot = "", false, section == "bot"
			if rest, ok := strings.CutPrefix(section, "scripts."); ok {
				script = rest
				if s, ok := strings.CutSuffix(rest, ".secret"); ok {
					script, secret = s, true
				}
				if script == "" {
					return fmt.Errorf("%s:%d: a section is [scripts.NAME]", path, n)
				}
			}
			continue
		}
		if script == "" && !inBot {
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		if !ok || key == "" {
			return fmt.Errorf("%s:%d: want key = \"value\"", path, n)
		}
		if strings.HasPrefix(value, `"`) {
			v, err := strconv.Unquote(value)
			if err != nil {
				return fmt.Errorf("%s:%d: %s: a quoted value ends with \" (escape quotes inside with \\\")", path, n, key)
			}
			value = v
		} else if i := strings.Index(value, " #"); i >= 0 {
			value = strings.TrimSpace(value[:i])
		}
		if inBot {
			bot(key, value)
			continue
		}
		set(script, key, value, secret)
	}
	return sc.Err()
}

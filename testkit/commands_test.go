package testkit_test

import (
	"context"
	"strings"
	"testing"

	"github.com/luabot/luabot/testkit"
)

// What commands do for a bot in QQ chat, end to end through luabot test:
// aliases and descriptions in help, quoted and rest arguments, strict
// usage, user arguments checked with the platform, permissions by role or
// function, cooldowns per user and per channel, and DMs.
const commandsBot = `command("签到|checkin", {desc = "每日签到", aliases = {"打卡"}}, function(ev) ev:reply("签到成功") end)
command("say <who> [text...]", function(ev, args) ev:reply(args.who .. "|" .. tostring(args.text)) end)
command("ping", {strict = true}, function(ev) ev:reply("pong") end)
command("pong", function(ev) ev:reply("ping") end)
command("hug <who:user>", function(ev, args) ev:reply("hug " .. args.who) end)
command("kick", {allow = "admin"}, function(ev) ev:reply("kicked") end)
command("mod", {allow = {"管理员"}}, function(ev) ev:reply("moderated") end)
command("carol", {allow = function(ev) return ev.author.username == "carol", "only carol" end}, function(ev) ev:reply("hi carol") end)
command("daily", {cooldown = 60}, function(ev) ev:reply("daily done") end)
command("shout", {cooldown = {channel = 10}}, function(ev) ev:reply("HEY") end)
`

const commandsTest = `local function last() return sim.sent(-1).content end

test("aliases and the full-width slash", function()
  sim.say("general", "/checkin")
  sim.say("general", "/打卡")
  sim.say("general", "／签到")
  expect(#sim.sent()).to_be(3)
  expect(last()).to_be("签到成功")
end)

test("help lists descriptions and aliases", function()
  sim.say("general", "/help")
  expect(last()).to_contain("/签到 (also /checkin, /打卡) — 每日签到")
end)

test("quoted arguments and rest", function()
  sim.say("general", '/say "hello there" bob and carol')
  expect(last()).to_be("hello there|bob and carol")
  sim.say("general", '/say “你好 世界”')
  expect(last()).to_be("你好 世界|nil")
end)

test("extra words are an error only when strict", function()
  sim.say("general", "/ping now")
  expect(last()).to_be("Usage: /ping (too many arguments)")
  sim.say("general", "/pong now")
  expect(last()).to_be("ping")
end)

test("user arguments", function()
  local bob = sim.member("bob")
  sim.say("general", "/hug <@!" .. bob.id .. ">")
  expect(last()).to_be("hug " .. bob.id)
  sim.say("general", "/hug " .. bob.id)
  expect(last()).to_be("hug " .. bob.id)
  sim.say("general", "/hug 12345")
  expect(last()).to_be("who: 12345 is not a member here")
  sim.say("general", "/hug @bob!")
  expect(last()).to_be("Usage: /hug <who:user> (who must be a mention or a user id)")
end)

test("permissions", function()
  sim.say("general", "/kick")
  expect(last()).to_be("kicked") -- alice owns the guild
  sim.say("general", "/kick", {author = "bob"})
  expect(last()).to_be("You may not use /kick.")
  sim.user{name = "dave", roles = {"管理员"}}
  sim.say("general", "/kick", {author = "dave"})
  expect(last()).to_be("kicked")
  sim.say("general", "/mod", {author = "dave"})
  expect(last()).to_be("moderated")
  sim.say("general", "/mod", {author = "bob"})
  expect(last()).to_be("You may not use /mod.")
  sim.say("general", "/carol", {author = "bob"})
  expect(last()).to_be("only carol")
  sim.say("general", "/carol", {author = "carol"})
  expect(last()).to_be("hi carol")
end)

test("cooldowns", function()
  sim.say("general", "/daily")
  expect(last()).to_be("daily done")
  sim.say("general", "/daily")
  expect(last()).to_be("/daily is cooling down: try again in 60 s.")
  sim.advance(30)
  sim.say("general", "/daily")
  expect(last()).to_be("/daily is cooling down: try again in 30 s.")
  sim.say("general", "/daily", {author = "bob"})
  expect(last()).to_be("daily done")
  sim.advance(31)
  sim.say("general", "/daily")
  expect(last()).to_be("daily done")
  sim.say("general", "/shout")
  sim.say("general", "/shout", {author = "bob"})
  expect(last()).to_be("/shout is cooling down: try again in 10 s.")
  sim.say("random", "/shout", {author = "bob"})
  expect(last()).to_be("HEY")
end)

test("commands in DMs", function()
  sim.say("dm", "checkin")
  expect(last()).to_be("签到成功")
end)

`

func TestCommands_EndToEnd(t *testing.T) {
	dir := mustDir(t, map[string]string{"bot.lua": commandsBot, "bot_test.lua": commandsTest})
	lines, sum := run(t, dir)
	if sum.Failed != 0 || sum.Passed != 8 {
		t.Fatalf("%v\n%s", sum, strings.Join(lines, "\n"))
	}
}

// The built-in texts in Chinese: from the bot's language (--lang), or a
// script's own commands.lang; commands.texts replaces single texts.
func TestCommands_TextsInChinese(t *testing.T) {
	const test = `test("zh", function()
  sim.say("general", "/help")
  expect(sim.sent(-1).content).to_contain("命令列表：")
  expect(sim.sent(-1).content).to_contain("/签到（又名 /checkin、/打卡） — 每日签到")
  sim.say("general", "/ping now")
  expect(sim.sent(-1).content).to_be("用法：/ping（参数过多）")
  sim.say("general", "/kick", {author = "bob"})
  expect(sim.sent(-1).content).to_be("你没有使用 /kick 的权限。")
  sim.say("general", "/daily")
  sim.say("general", "/daily")
  expect(sim.sent(-1).content).to_be("/daily 冷却中，请 60 秒后再试。")
  sim.say("general", "/hug 12345")
  expect(sim.sent(-1).content).to_be("who：这里没有成员 12345")
end)`
	t.Run("--lang zh", func(t *testing.T) {
		dir := mustDir(t, map[string]string{"bot.lua": commandsBot, "bot_test.lua": test})
		files, _ := testkit.Find(dir)
		var lines []string
		sum := testkit.Run(context.Background(), testkit.Config{Lang: "zh"}, files, func(r testkit.Result) { lines = append(lines, r.String()) })
		if sum.Failed != 0 || sum.Passed != 1 {
			t.Fatalf("%v\n%s", sum, strings.Join(lines, "\n"))
		}
	})
	t.Run("commands.lang", func(t *testing.T) {
		dir := mustDir(t, map[string]string{"bot.lua": "commands.lang(\"zh\")\n" + commandsBot, "bot_test.lua": test})
		lines, sum := run(t, dir)
		if sum.Failed != 0 || sum.Passed != 1 {
			t.Fatalf("%v\n%s", sum, strings.Join(lines, "\n"))
		}
	})
	t.Run("commands.texts", func(t *testing.T) {
		dir := mustDir(t, map[string]string{
			"bot.lua": `commands.texts{denied = "只有管理员可以 /{command}", usage = "{usage} ← {error}"}
command("kick", {allow = "admin"}, function(ev) ev:reply("kicked") end)
command("roll <n:integer>", function(ev, args) ev:reply("rolled") end)`,
			"bot_test.lua": `test("own texts", function()
  sim.say("general", "/kick", {author = "bob"})
  expect(sim.sent(-1).content).to_be("只有管理员可以 /kick")
  sim.say("general", "/roll x")
  expect(sim.sent(-1).content).to_be("/roll <n:integer> ← n must be a whole number")
end)`,
		})
		lines, sum := run(t, dir)
		if sum.Failed != 0 || sum.Passed != 1 {
			t.Fatalf("%v\n%s", sum, strings.Join(lines, "\n"))
		}
	})
}

// Mistakes in command options and texts are load errors naming the option.
func TestCommands_BadOptions(t *testing.T) {
	tests := []struct{ src, want string }{
		{`command("a", {desk = "x"}, function() end)`, `bad option to command "a": unknown option "desk" (desc, aliases, strict, allow or cooldown)`},
		{`command("a", {aliases = {"b c"}}, function() end)`, `bad option to command "a": alias "b c": use letters, digits, _ and -`},
		{`command("a", {cooldown = -1}, function() end)`, `bad option to command "a": cooldown must be a number of seconds from 0 to 604800`},
		{`command("a", {cooldown = {guild = 1}}, function() end)`, `bad option to command "a": cooldown takes user and channel, not "guild"`},
		{`command("a", {allow = 3}, function() end)`, `bad option to command "a": allow is a role name`},
		{`command("a|b", function() end) command("b", function() end)`, `command "b" is already registered by this script`},
		{`commands.lang("fr")`, `bad argument #1 to commands.lang: "fr" (en or zh)`},
		{`commands.texts{denid = "x"}`, `bad argument #1 to commands.texts: unknown text "denid" (`},
	}
	for _, tt := range tests {
		dir := mustDir(t, map[string]string{"bot.lua": tt.src, "bot_test.lua": `test("t", function() end)`})
		lines, sum := run(t, dir)
		if sum.Failed != 1 || !strings.Contains(strings.Join(lines, "\n"), tt.want) {
			t.Errorf("%s: %v\n%s\nwant %q", tt.src, sum, strings.Join(lines, "\n"), tt.want)
		}
	}
}

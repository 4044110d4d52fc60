-- A poll with buttons. "/poll Lunch? | pizza | noodles" posts the question
-- with a button per option (2 to 10 options) and a Results button. Each
-- user has one vote and may change it; votes live in kv, so a reload or a
-- restart keeps them. The poll closes after 10 minutes: in a guild channel
-- the bot posts the final count, and later presses are answered with it.
-- Presses are acknowledged by luabot; a vote on a closed poll is
-- acknowledged with code 1 (failure), so the user's client says so.

local OPEN_FOR = 600 -- seconds

local function tally(poll)
  local counts = {}
  for _, choice in pairs(poll.votes) do
    counts[choice] = (counts[choice] or 0) + 1
  end
  local parts = {}
  for i, option in ipairs(poll.options) do
    parts[#parts + 1] = ("%s %d"):format(option, counts[i] or 0)
  end
  return poll.question .. " " .. table.concat(parts, " · ")
end

local function is_open(poll)
  return os.time() < poll.closes_at
end

command("poll [text...]", function(ev, args)
  local parts = {}
  for piece in (args.text or ""):gmatch("[^|]+") do
    piece = piece:match("^%s*(.-)%s*$")
    if piece ~= "" then parts[#parts + 1] = piece end
  end
  local question = table.remove(parts, 1)
  if not question or #parts < 2 or #parts > 10 then
    ev:reply("usage: /poll question | option | option (2 to 10 options)")
    return
  end
  local n = kv.incr("polls")
  local rows, row = {}, {}
  for i, option in ipairs(parts) do
    row[#row + 1] = ui.button(option, { data = ("vote:%d:%d"):format(n, i) })
    if #row == 5 then rows[#rows + 1], row = row, {} end
  end
  if #row > 0 then rows[#rows + 1] = row end
  rows[#rows + 1] = { ui.button("Results", { id = "results", data = ("results:%d"):format(n), style = "grey" }) }
  local keyboard, err = ui.keyboard(rows)
  if not keyboard then
    ev:reply("cannot build the poll: " .. tostring(err))
    return
  end
  -- kv.update stores at once (kv.set would wait for the handler to end), so
  -- a vote pressed as soon as the poll shows finds it.
  local poll = { question = question, options = parts, votes = {}, closes_at = os.time() + OPEN_FOR }
  kv.update("poll:" .. n, function() return poll end)
  local sent, serr = ev:reply(ui.markdown(("**%s**\nPress a button to vote; closes in %d minutes."):format(question, math.floor(OPEN_FOR / 60)), keyboard))
  if not sent then
    log.warn("poll not posted:", serr)
    return
  end
  local channel = ev.scene == "guild" and ev.channel_id
  timer.after(OPEN_FOR, function()
    local poll = kv.get("poll:" .. n)
    if poll and channel then
      qq.send(channel, "Poll closed: " .. tally(poll))
    end
  end)
end)

on("button", function(ev)
  local kind, n, choice = (ev.button_data or ""):match("^(%a+):(%d+):?(%d*)$")
  if not kind then return end -- not one of ours: acknowledged as success
  local key = "poll:" .. n
  if kind == "results" then
    local poll = kv.get(key)
    if poll then ev:reply(tally(poll)) end
    return
  end
  local closed = false
  local poll = kv.update(key, function(p)
    if not p then return nil end
    if not is_open(p) then
      closed = true
      return p
    end
    p.votes[ev.user.id] = tonumber(choice)
    return p
  end)
  if poll and closed then
    ev:ack(1)
    ev:reply("This poll has closed: " .. tally(poll))
  end
end)

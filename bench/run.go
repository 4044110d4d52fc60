package bench

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Sim is how to reach the simulator the bot under test connects to.
type Sim struct {
	APIURL, TokenURL, ControlURL, AppID, Secret string
}

// Config is one load run.
type Config struct {
	// SimCommand starts the simulator; it must print key=value lines with
	// api_url, token_url, control_url, app_id and secret on stdout, as
	// `luabot sim` does.
	SimCommand []string
	// BotCommand returns the bot's command line for a running simulator.
	BotCommand func(Sim) []string
	// BotEnv returns the bot's environment for a running simulator; nil
	// means this process's. The simulator's AppSecret belongs there, not
	// on the command line, which any local user can read.
	BotEnv func(Sim) []string
	// Dir is a scratch folder for the bot's working directory.
	Dir string

	Events       int
	Window       int     // unanswered events at most; 0: no limit
	Rate         float64 // events per second; 0: as fast as Window allows
	Latency      time.Duration
	Scene        string // guild, group, c2c or dm
	Text         string
	ReplyTimeout time.Duration // the longest wait for the next reply
	StartTimeout time.Duration // the longest wait for the bot's session

	// Progress, if set, is called now and then with the events posted and
	// answered so far.
	Progress func(posted, answered int)
}

// Result is what a run measured. Problem is set when the checks failed;
// Measured tells whether the figures mean anything.
type Result struct {
	Events     int     `json:"events"`
	Replies    int     `json:"replies"`    // first replies to an event
	Unanswered int     `json:"unanswered"` // events with no reply
	Duplicates int     `json:"duplicates"` // replies beyond the first to an event
	Unmatched  int     `json:"unmatched"`  // messages that answer no event of the run
	Seconds    float64 `json:"seconds"`
	PerSecond  float64 `json:"replies_per_second"`
	P50MS      float64 `json:"p50_ms"`
	P99MS      float64 `json:"p99_ms"`
	MaxMS      float64 `json:"max_ms"`
	CPUPerRep  float64 `json:"cpu_us_per_reply"`
	PeakRSSMB  float64 `json:"peak_rss_mb"`
	ErrorLines int     `json:"bot_error_lines"`
	LastError  string  `json:"bot_last_error,omitempty"`
	Measured   bool    `json:"measured"`
	Problem    string  `json:"problem,omitempty"`
}

// Run starts the simulator and the bot, drives the load and stops both.
// The error is for a run that could not start at all; a bot that misbehaves
// gives a Result with Problem set.
func Run(ctx context.Context, cfg Config) (Result, error) {
	if cfg.ReplyTimeout <= 0 {
		cfg.ReplyTimeout = 5 * time.Second
	}
	if cfg.StartTimeout <= 0 {
		cfg.StartTimeout = 15 * time.Second
	}
	simProc, sim, err := startSim(ctx, cfg.SimCommand, cfg.StartTimeout)
	if err != nil {
		return Result{}, err
	}
	defer simProc.stop()
	ctl := &control{base: sim.ControlURL, c: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
	if cfg.Latency > 0 {
		if err := ctl.do(ctx, "POST", "/faults", map[string]any{"kind": "latency", "latency_ms": cfg.Latency.Milliseconds()}, nil); err != nil {
			return Result{}, fmt.Errorf("set the REST latency: %w", err)
		}
	}
	var env []string
	if cfg.BotEnv != nil {
		env = cfg.BotEnv(sim)
	}
	bot, err := startProc(cfg.BotCommand(sim), env, cfg.Dir, io.Discard)
	if err != nil {
		return Result{}, fmt.Errorf("start the bot: %w", err)
	}
	defer bot.stop()
	res := Result{Events: cfg.Events}
	finish := func(problem string) (Result, error) {
		res.Problem = problem
		res.ErrorLines, res.LastError = bot.log.errors()
		return res, nil
	}

	// The bot listens once its session is READY; until then posts are lost.
	waitCtx, cancel := context.WithTimeout(ctx, cfg.StartTimeout)
	connected := make(chan error, 1)
	go func() {
		var out struct{ Connected int }
		err := ctl.do(waitCtx, "GET", fmt.Sprintf("/sessions?min=1&wait_ms=%d", cfg.StartTimeout.Milliseconds()), nil, &out)
		if err == nil && out.Connected < 1 {
			err = errors.New("not connected")
		}
		connected <- err
	}()
	select {
	case err = <-connected:
	case <-bot.exited:
		err = errors.New("exited")
	}
	cancel()
	if err != nil {
		select {
		case <-bot.exited:
			return finish("the bot exited before its gateway session was ready: " + bot.log.last())
		default:
		}
		return finish(fmt.Sprintf("the bot's gateway session was not ready within %v", cfg.StartTimeout))
	}

	post, err := poster(ctx, ctl, cfg.Scene, cfg.Text)
	if err != nil {
		return Result{}, err
	}
	tr := newTracker()
	follow, stopFollow := context.WithCancel(ctx)
	defer stopFollow()
	go tr.follow(follow, ctl)

	// Warm-up: one event must be answered before anything is measured.
	id, t0, err := post(ctx)
	if err != nil {
		return Result{}, err
	}
	tr.register(id, t0)
	if !tr.waitAnswered(ctx, 1, cfg.ReplyTimeout, bot.exited) {
		errs, last := bot.log.errors()
		switch {
		case bot.hasExited():
			return finish("the bot exited after the first event: " + bot.log.last())
		case errs > 0:
			return finish(fmt.Sprintf("no reply to the first event within %v; the bot logged %d error line(s), the last: %s", cfg.ReplyTimeout, errs, last))
		}
		return finish(fmt.Sprintf("no reply to the first event within %v and no error logged: do the scripts reply to %s messages?", cfg.ReplyTimeout, cfg.Scene))
	}
	tr.reset()

	cpu0 := cpuTime(bot.cmd.Process.Pid)
	start := time.Now()
	window := cfg.Window
	if window <= 0 {
		window = cfg.Events
	}
	slots := make(chan struct{}, window)
	tr.setOnAnswer(func() { <-slots })
	posted, err := load(ctx, cfg, post, tr, slots)
	if err != nil {
		return Result{}, err
	}
	tr.waitAnswered(ctx, posted, cfg.ReplyTimeout, bot.exited)
	elapsed := tr.lastAnswer().Sub(start)
	cpu1 := cpuTime(bot.cmd.Process.Pid)
	// A bot that answers twice usually does so right away: give the second
	// replies a moment to show before counting.
	time.Sleep(300 * time.Millisecond)
	stopFollow()
	res.PeakRSSMB = peakRSS(bot.cmd.Process.Pid)
	if cfg.Progress != nil {
		cfg.Progress(posted, tr.answered())
	}

	s := tr.summary()
	res.Replies, res.Duplicates, res.Unmatched = s.replies, s.dups, s.unmatched
	res.Unanswered = cfg.Events - s.replies
	if elapsed > 0 && s.replies > 0 {
		res.Seconds = elapsed.Seconds()
		res.PerSecond = float64(s.replies) / elapsed.Seconds()
		res.CPUPerRep = float64((cpu1 - cpu0).Microseconds()) / float64(s.replies)
	}
	if n := len(s.lat); n > 0 {
		slices.Sort(s.lat)
		ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
		res.P50MS, res.P99MS, res.MaxMS = ms(s.lat[n/2]), ms(s.lat[min(n-1, n*99/100)]), ms(s.lat[n-1])
	}
	var problems []string
	if res.Unanswered > 0 {
		problems = append(problems, fmt.Sprintf("%d of %d events got no reply (waited %v after the last reply)", res.Unanswered, cfg.Events, cfg.ReplyTimeout))
	}
	if res.Duplicates > 0 {
		problems = append(problems, fmt.Sprintf("the bot replied more than once to some events: %d extra replies (figures count the first reply to each event)", res.Duplicates))
	}
	if res.Unmatched > 0 {
		problems = append(problems, fmt.Sprintf("%d messages answered no event of the load (no msg_id or event_id naming one)", res.Unmatched))
	}
	res.Measured = res.Unanswered == 0
	if bot.hasExited() {
		problems = append(problems, "the bot exited during the load: "+bot.log.last())
		res.Measured = false
	}
	return finish(strings.Join(problems, "; "))
}

// posters is how many goroutines post events: one control call at a time
// would make the load generator, not the bot, the bottleneck.
const posters = 8

// load posts cfg.Events events through post, each after taking a slot (a
// reply frees it) and, with a rate, a tick. It stops early when no slot
// freed for a whole ReplyTimeout, and returns how many were posted.
func load(ctx context.Context, cfg Config, post func(context.Context) (string, time.Time, error), tr *tracker, slots chan struct{}) (int, error) {
	var ticks <-chan time.Time
	if cfg.Rate > 0 {
		t := time.NewTicker(time.Duration(float64(time.Second) / cfg.Rate))
		defer t.Stop()
		ticks = t.C
	}
	var (
		mu       sync.Mutex
		next     int
		posted   int
		firstErr error
		stalled  bool
		lastShow time.Time
		wg       sync.WaitGroup
	)
	take := func() bool {
		mu.Lock()
		defer mu.Unlock()
		if next >= cfg.Events || stalled || firstErr != nil {
			return false
		}
		next++
		return true
	}
	for range min(posters, cfg.Events) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for take() {
				if ticks != nil {
					select {
					case <-ticks:
					case <-ctx.Done():
						return
					}
				}
				select {
				case slots <- struct{}{}:
				case <-time.After(cfg.ReplyTimeout):
					mu.Lock()
					stalled = true // nothing came back for a whole timeout
					mu.Unlock()
					return
				case <-ctx.Done():
					return
				}
				id, t0, err := post(ctx)
				mu.Lock()
				if err != nil {
					firstErr = cmp.Or(firstErr, err)
					mu.Unlock()
					return
				}
				tr.register(id, t0)
				posted++
				show := cfg.Progress != nil && time.Since(lastShow) > 200*time.Millisecond
				if show {
					lastShow = time.Now()
					cfg.Progress(posted, tr.answered())
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	return posted, firstErr
}

// control calls the simulator's control API.
type control struct {
	base string
	c    *http.Client
}

func (c *control) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return err
	}
	resp, err := c.c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, bytes.TrimSpace(b))
	}
	if out == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		return err
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// poster returns a function that posts one user message in scene and
// reports its id and when the post was asked for.
func poster(ctx context.Context, ctl *control, scene, text string) (func(context.Context) (string, time.Time, error), error) {
	var world struct {
		Users []struct {
			ID string `json:"id"`
		} `json:"users"`
	}
	if err := ctl.do(ctx, "GET", "/world", nil, &world); err != nil {
		return nil, fmt.Errorf("read the simulated world: %w", err)
	}
	if len(world.Users) == 0 {
		return nil, errors.New("the simulated world has no users")
	}
	msg := map[string]any{"scene": scene, "author_id": world.Users[0].ID, "content": text, "mention_bot": true}
	return func(ctx context.Context) (string, time.Time, error) {
		var out struct {
			ID string `json:"id"`
		}
		t0 := time.Now()
		if err := ctl.do(ctx, "POST", "/messages", msg, &out); err != nil {
			return "", t0, fmt.Errorf("post a message: %w", err)
		}
		return out.ID, t0, nil
	}, nil
}

// proc is a child process whose stderr is scanned for error lines.
type proc struct {
	cmd    *exec.Cmd
	exited chan struct{}
	log    *logTail
}

// startProc starts args in dir; env nil means this process's environment.
func startProc(args, env []string, dir string, stdout io.Writer) (*proc, error) {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = env
	cmd.Dir = dir
	cmd.Stdout = stdout
	p := &proc{cmd: cmd, exited: make(chan struct{}), log: &logTail{}}
	cmd.Stderr = p.log
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() { _ = cmd.Wait(); close(p.exited) }()
	return p, nil
}

func (p *proc) hasExited() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// stop asks the process to end, and kills it if it has not within 5 s.
func (p *proc) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}

// startSim starts the simulator and reads its addresses.
func startSim(ctx context.Context, args []string, timeout time.Duration) (*proc, Sim, error) {
	pr, pw := io.Pipe()
	p, err := startProc(args, nil, "", pw)
	if err != nil {
		return nil, Sim{}, fmt.Errorf("start the simulator: %w", err)
	}
	go func() { <-p.exited; pw.Close() }()
	got := make(chan Sim, 1)
	go func() {
		var s Sim
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			k, v, _ := strings.Cut(sc.Text(), "=")
			switch k {
			case "api_url":
				s.APIURL = v
			case "token_url":
				s.TokenURL = v
			case "app_id":
				s.AppID = v
			case "secret":
				s.Secret = v
			case "control_url":
				s.ControlURL = v
				got <- s
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	select {
	case s := <-got:
		return p, s, nil
	case <-p.exited:
		return nil, Sim{}, fmt.Errorf("the simulator exited: %s", p.log.last())
	case <-time.After(timeout):
	case <-ctx.Done():
	}
	p.stop()
	return nil, Sim{}, fmt.Errorf("the simulator did not start within %v", timeout)
}

// logTail counts a child's slog error lines and keeps its last line.
type logTail struct {
	mu       sync.Mutex
	partial  []byte
	lastLine string
	lastErr  string
	nErr     int
}

func (l *logTail) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.partial = append(l.partial, b...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		line := string(l.partial[:i])
		l.partial = l.partial[i+1:]
		l.lastLine = line
		if strings.Contains(line, "level=ERROR") {
			l.nErr++
			l.lastErr = line
		}
	}
	if len(l.partial) > 64<<10 {
		l.partial = l.partial[:0]
	}
	return len(b), nil
}

func (l *logTail) errors() (int, string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.nErr, l.lastErr
}

func (l *logTail) last() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lastLine == "" {
		return "(it printed nothing)"
	}
	return l.lastLine
}

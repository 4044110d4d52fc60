package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/luabot/luabot/dispatch"
	"github.com/luabot/luabot/gateway"
	"github.com/luabot/luabot/host"
	"github.com/luabot/luabot/kv"
	"github.com/luabot/luabot/openapi"
	"github.com/luabot/luabot/transport"
)

// luabot doctor checks, before going live, what most often stops a bot that
// works on the simulator: credentials the token service refuses, a machine
// missing from the IP allow-list, too few session starts, intents the bot
// was never granted, a webhook the platform cannot call, a skewed clock. It
// changes nothing and talks only to the platform; each check is one line,
// ✓ or ✗ with what to do, and · where it cannot tell.

// webhookPorts are the ports the platform calls webhooks on.
var webhookPorts = []int{80, 443, 8080, 8443}

// doctorTimeout bounds each check that waits for the platform.
const doctorTimeout = 15 * time.Second

// maxClockSkew is how far the clock may be from the platform's before
// webhook signatures and reply windows suffer.
const maxClockSkew = time.Minute

func doctorCommand() *cli.Command {
	return &cli.Command{
		Name:      "doctor",
		Usage:     "check the credentials, network, intents and webhook settings against the platform, changing nothing",
		ArgsUsage: "[SCRIPT|DIR...]",
		Description: "Takes the flags of luabot run. With scripts, the intents check identifies with the intents they\n" +
			"need (one session start per identify). Exit status 0 only when every check passes.",
		// The limit flags carry --config and --conf: the scripts load with the settings luabot run gives them.
		Flags: slices.Concat(platformFlags(), transportFlags(), limitFlags()),
		Action: func(c *cli.Context) error {
			specs, _, err := runSpecs(c)
			if err != nil {
				return err
			}
			type checked struct {
				d    *doctor
				name string
			}
			var ds []checked
			// Every bot's settings are checked before any check talks to the platform.
			for _, s := range specs {
				api, err := platformAPI(s.o, nil, s.log)
				if err == nil {
					var tcfg transport.Config
					var files []string
					var hcfg host.Config
					if tcfg, err = transportConfig(s.o, s.o.String("secret")); err == nil {
						files, hcfg, err = doctorScripts(s)
					}
					if err == nil {
						d := &doctor{o: s.o, files: files, api: api, out: c.App.Writer, tcfg: tcfg, hcfg: hcfg}
						if s.name != "" {
							d.prefix = s.name + ": "
						}
						ds = append(ds, checked{d, s.name})
						continue
					}
				}
				if s.name != "" {
					return usagef("bot %s: %v", s.name, err)
				}
				return err
			}
			failed := 0
			for _, x := range ds {
				failed += x.d.run(c.Context)
			}
			if failed > 0 {
				return fmt.Errorf("doctor: %d check(s) failed", failed)
			}
			return nil
		},
	}
}

type doctor struct {
	o      opts
	files  []string    // the scripts, whose intents are checked
	hcfg   host.Config // what they load with
	prefix string      // the bot's name, with several

	api    *openapi.Client
	out    io.Writer
	tcfg   transport.Config
	failed int
}

func (d *doctor) pass(format string, args ...any) {
	fmt.Fprintf(d.out, d.prefix+"✓ "+format+"\n", args...)
}
func (d *doctor) note(format string, args ...any) {
	fmt.Fprintf(d.out, d.prefix+"· "+format+"\n", args...)
}
func (d *doctor) fail(format string, args ...any) {
	d.failed++
	fmt.Fprintf(d.out, d.prefix+"✗ "+format+"\n", args...)
}

// run makes every check and returns how many failed. A check whose
// prerequisite failed is skipped and says why.
func (d *doctor) run(ctx context.Context) int {
	d.apiHost()
	if !d.token(ctx) {
		d.note("REST, gateway and intents: skipped, they need a token")
		d.clock(ctx)
		return d.failed
	}
	restOK := d.rest(ctx)
	if d.tcfg.Kind == transport.Webhook {
		d.webhook()
	} else if restOK {
		if url, ok := d.gateway(ctx); ok {
			d.intents(ctx, url)
		}
	} else {
		d.note("gateway and intents: skipped, REST refused the bot")
	}
	d.clock(ctx)
	return d.failed
}

func (d *doctor) apiHost() {
	base := d.api.BaseURL()
	switch base {
	case openapi.ProductionURL:
		d.pass("API host %s: production (the IP allow-list applies; --sandbox for the sandbox)", base)
	case openapi.SandboxURL:
		d.pass("API host %s: sandbox (only sandbox guilds and groups are visible; drop --sandbox to go live)", base)
	default:
		d.pass("API host %s (set by --api)", base)
	}
}

func (d *doctor) token(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, doctorTimeout)
	defer cancel()
	if _, err := d.api.IdentifyToken(ctx); err != nil {
		d.fail("credentials: %v", explainRefusal(err, d.api.AppID(), d.o.String("token") != ""))
		return false
	}
	if d.o.String("token") != "" {
		d.pass("credentials: a legacy bot token is set (checked by the REST call below)")
	} else {
		d.pass("credentials: the token service issued an access token for app %s", d.api.AppID())
	}
	return true
}

func (d *doctor) rest(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, doctorTimeout)
	defer cancel()
	me, err := d.api.Me(ctx)
	var e *openapi.Error
	switch {
	case err == nil:
		d.pass("REST: users/@me answers: the bot is %s (id %s)", me.Username, me.ID)
		return true
	case errors.As(err, &e) && (e.Code == openapi.CodeIPNotAllowed || e.Code == openapi.ErrCodeIPNotAllowed):
		d.fail("REST: the platform refuses this machine's IP address (code %d: %s): add its public IP to the bot's "+
			"IP allow-list in the QQ bot console (production only: --sandbox is not checked)", e.Code, e.Message)
	default:
		d.fail("REST: users/@me failed: %v", explainRefusal(err, d.api.AppID(), d.o.String("token") != ""))
	}
	return false
}

// gateway checks GET /gateway/bot and that enough session starts are left
// for the shards this process runs.
func (d *doctor) gateway(ctx context.Context) (string, bool) {
	ctx, cancel := context.WithTimeout(ctx, doctorTimeout)
	defer cancel()
	gb, err := d.api.GatewayBot(ctx)
	if err != nil {
		d.fail("gateway: GET /gateway/bot failed: %v", err)
		return "", false
	}
	if gb.URL == "" {
		d.fail("gateway: GET /gateway/bot gave no URL")
		return "", false
	}
	need := len(d.tcfg.ShardIDs)
	if need == 0 {
		need = max(d.tcfg.Shards, gb.Shards, 1)
	}
	left := gb.SessionStartLimit
	reset := (time.Duration(left.ResetAfter) * time.Millisecond).Round(time.Minute)
	if left.Remaining < need {
		d.fail("gateway: %d session start(s) left today, and this process needs %d (one per shard): wait until they "+
			"reset in %v, or run fewer shards", left.Remaining, need, reset)
		return gb.URL, false
	}
	d.pass("gateway: %s; %d shard(s) recommended, this process runs %d; %d of %d session starts left today",
		gb.URL, gb.Shards, need, left.Remaining, left.Total)
	return gb.URL, true
}

// intents identifies once with the intents the scripts need; when the
// platform refuses (4014), it identifies with each intent alone to name the
// ones refused and the events the scripts would not get.
func (d *doctor) intents(ctx context.Context, url string) {
	required, optional, err := d.wantedIntents()
	if err != nil {
		d.fail("intents: the scripts do not load: %v", err)
		return
	}
	wanted := required | optional
	ok, err := d.identify(ctx, url, wanted)
	switch {
	case ok:
		d.pass("intents: an Identify with %s was accepted", wanted)
		return
	case err != nil:
		d.fail("intents: %v", err)
		return
	}
	var refused dispatch.Intent
	for bit := dispatch.Intent(1); bit != 0 && bit <= wanted; bit <<= 1 {
		if wanted&bit == 0 {
			continue
		}
		if ok, err := d.identify(ctx, url, bit); err != nil {
			d.fail("intents: %v", err)
			return
		} else if !ok {
			refused |= bit
		}
	}
	if refused == 0 {
		d.fail("intents: %s together were refused (close 4014), yet each alone was accepted", wanted)
		return
	}
	d.fail("intents: the platform does not grant %s: the scripts will not get %s; request them in the QQ bot "+
		"console, or remove those handlers", refused, strings.Join(refused.Events(), ", "))
}

// doctorScripts finds the scripts of s and what luabot run would load them
// with: their settings (the --config file, the environment, --conf), limits
// and grants, so that a config.require the operator satisfies holds here too.
func doctorScripts(s *botSpec) ([]string, host.Config, error) {
	cfg := host.Config{Logger: slog.New(slog.DiscardHandler)}
	if len(s.paths) == 0 {
		return nil, cfg, nil
	}
	files, err := host.ScriptFiles(s.paths)
	if err != nil {
		return nil, cfg, usagef("%v", err)
	}
	if err := scriptSettings(s.o, files, s.file, &cfg); err != nil {
		return nil, cfg, err
	}
	return files, cfg, nil
}

// wantedIntents loads the scripts named on the command line into a host
// over a throwaway store, only to ask what they subscribe to.
func (d *doctor) wantedIntents() (required, optional dispatch.Intent, err error) {
	files := d.files
	if len(files) == 0 {
		return dispatch.IntentGuilds | dispatch.IntentPublicGuildMessages, 0, nil
	}
	dir, err := os.MkdirTemp("", "luabot-doctor")
	if err != nil {
		return 0, 0, err
	}
	defer os.RemoveAll(dir)
	store, err := kv.Open(kv.Config{Path: filepath.Join(dir, "doctor.db")})
	if err != nil {
		return 0, 0, err
	}
	defer store.Close()
	cfg := d.hcfg
	cfg.API, cfg.Store = d.api, store
	h, err := host.New(cfg)
	if err != nil {
		return 0, 0, err
	}
	if err := h.Load(files...); err != nil {
		return 0, 0, err
	}
	required, optional = h.WantedIntents()
	return required, optional, nil
}

// identify opens one gateway session with intents and closes it after
// READY. It reports false for close 4014 (intents not granted) and an error
// for anything else that stops it.
func (d *doctor) identify(ctx context.Context, url string, intents dispatch.Intent) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, doctorTimeout)
	defer cancel()
	gw, err := gateway.New(gateway.Config{URL: url, Token: d.api.IdentifyToken, Intents: intents,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return false, err
	}
	ready := false
	err = gw.Run(ctx, func(ev gateway.Event) {
		if ev.Type == "READY" {
			ready = true
			cancel()
		}
	})
	var ce *gateway.CloseError
	switch {
	case ready:
		return true, nil
	case errors.As(err, &ce) && ce.Code == 4014:
		return false, nil
	case err != nil:
		return false, fmt.Errorf("the gateway closed the Identify: %v", err)
	}
	return false, fmt.Errorf("no READY from the gateway within %v", doctorTimeout)
}

// webhook checks what can be checked from here: the port, the certificate
// and that the address can be served.
func (d *doctor) webhook() {
	listen := d.tcfg.Webhook.Listen
	_, portText, err := net.SplitHostPort(listen)
	port, perr := strconv.Atoi(portText)
	switch {
	case err != nil || perr != nil:
		d.fail("webhook: --listen %q is not host:port", listen)
	case !slices.Contains(webhookPorts, port):
		d.fail("webhook: port %d: the platform calls webhooks on ports 80, 443, 8080 and 8443 only; listen on one "+
			"of them (or forward one to %d)", port, port)
	default:
		d.pass("webhook: port %d is one the platform calls", port)
	}
	if cert, key := d.tcfg.Webhook.TLSCert, d.tcfg.Webhook.TLSKey; cert == "" {
		d.note("webhook: no --tls-cert here: the platform calls https:// URLs, so TLS must end in front of luabot")
	} else {
		d.certificate(cert, key)
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		d.note("webhook: %s cannot be listened on now (%v): in use by a running bot, or not this machine's address", listen, err)
		return
	}
	ln.Close()
	d.pass("webhook: %s can be listened on; whether the platform reaches it from outside cannot be checked from here", listen)
}

// certificate checks the webhook's key pair and the certificate's dates.
func (d *doctor) certificate(certFile, keyFile string) {
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		d.fail("webhook: the TLS key pair does not load: %v", err)
		return
	}
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		d.fail("webhook: the certificate does not parse: %v", err)
		return
	}
	now := time.Now()
	switch {
	case now.Before(leaf.NotBefore):
		d.fail("webhook: the certificate is valid only from %s", leaf.NotBefore.Format(time.RFC3339))
	case now.After(leaf.NotAfter):
		d.fail("webhook: the certificate expired on %s: renew it", leaf.NotAfter.Format(time.RFC3339))
	default:
		names := strings.Join(leaf.DNSNames, ", ")
		if names == "" {
			names = leaf.Subject.CommonName
		}
		d.pass("webhook: the certificate for %s is valid until %s", names, leaf.NotAfter.Format("2006-01-02"))
	}
}

// clock compares the machine's clock with the Date of the platform's answer.
func (d *doctor) clock(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, doctorTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, d.api.BaseURL(), nil)
	if err != nil {
		d.note("clock: %v", err)
		return
	}
	sent := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		d.note("clock: the API host did not answer (%v), so the clock was not compared", err)
		return
	}
	resp.Body.Close()
	date, err := http.ParseTime(resp.Header.Get("Date"))
	if err != nil {
		d.note("clock: the API host's answer has no Date to compare with")
		return
	}
	// Date has whole seconds: compare with the middle of the exchange.
	mid := sent.Add(time.Since(sent) / 2)
	skew := mid.Sub(date.Add(500 * time.Millisecond)).Round(time.Second)
	if skew.Abs() > maxClockSkew {
		d.fail("clock: this machine's clock is %v off the platform's: webhook signatures and reply windows need it within "+
			"%v; sync it (NTP)", skew, maxClockSkew)
		return
	}
	d.pass("clock: within %v of the platform's", max(skew.Abs(), time.Second))
}

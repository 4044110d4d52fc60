// Command botgo-echo is an echo bot on the official Go SDK (botgo v0.2.1), the
// third column of `luabot bench --compare --botgo PATH`: it answers every guild
// @-message, group @-message and C2C message with its own content, as the bench
// expects, the way botgo's examples do it (one event at a time, in the SDK's own
// reading loop). It lives in this module so that luabot's go.mod stays free of
// botgo. Build it with
//
//	cd sim/conformance && go build -o /tmp/botgo-echo ./cmd/botgo-echo
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/tencent-connect/botgo"
	"github.com/tencent-connect/botgo/constant"
	"github.com/tencent-connect/botgo/dto"
	"github.com/tencent-connect/botgo/event"
	"github.com/tencent-connect/botgo/token"
)

// quiet drops botgo's log lines: the bench reads the bot's stderr for errors.
type quiet struct{}

func (quiet) Debug(...any)          {}
func (quiet) Info(...any)           {}
func (quiet) Warn(...any)           {}
func (quiet) Error(...any)          {}
func (quiet) Debugf(string, ...any) {}
func (quiet) Infof(string, ...any)  {}
func (quiet) Warnf(string, ...any)  {}
func (quiet) Errorf(string, ...any) {}
func (quiet) Sync() error           { return nil }

func main() {
	appID := flag.String("app-id", "", "bot AppID")
	secret := flag.String("secret", os.Getenv("QQBOT_SECRET"), "bot AppSecret (default $QQBOT_SECRET, which luabot bench sets)")
	api := flag.String("api", "", "REST base URL")
	tokenURL := flag.String("token-url", "", "token service base URL")
	flag.Parse()
	if err := run(*appID, *secret, *api, *tokenURL); err != nil {
		fmt.Fprintln(os.Stderr, "botgo-echo:", err)
		os.Exit(1)
	}
}

func run(appID, secret, apiURL, tokenURL string) error {
	botgo.SetLogger(quiet{})
	constant.APIDomain, constant.TokenDomain = apiURL, tokenURL
	ts := token.NewQQBotTokenSource(&token.QQBotCredentials{AppID: appID, AppSecret: secret})
	client := botgo.NewOpenAPI(appID, ts).WithTimeout(10 * time.Second)
	ctx := context.Background()
	ap, err := client.WS(ctx, nil, "")
	if err != nil {
		return err
	}
	intent := event.RegisterHandlers(
		event.ATMessageEventHandler(func(_ *dto.WSPayload, d *dto.WSATMessageData) error {
			_, err := client.PostMessage(ctx, d.ChannelID, &dto.MessageToCreate{Content: d.Content, MsgID: d.ID})
			return report(err)
		}),
		event.GroupATMessageEventHandler(func(_ *dto.WSPayload, d *dto.WSGroupATMessageData) error {
			_, err := client.PostGroupMessage(ctx, d.GroupID, &dto.MessageToCreate{Content: d.Content, MsgID: d.ID, MsgSeq: 1})
			return report(err)
		}),
		event.C2CMessageEventHandler(func(_ *dto.WSPayload, d *dto.WSC2CMessageData) error {
			_, err := client.PostC2CMessage(ctx, d.Author.ID, &dto.MessageToCreate{Content: d.Content, MsgID: d.ID, MsgSeq: 1})
			return report(err)
		}),
	)
	// Start does not return while the session lives: botgo has no way to stop it,
	// so the bench ends this process with a signal.
	return botgo.NewSessionManager().Start(ap, ts, &intent)
}

// report writes a failed reply where the bench counts the bot's errors.
func report(err error) error {
	if err != nil {
		fmt.Fprintln(os.Stderr, "level=ERROR botgo-echo reply failed:", err)
	}
	return err
}

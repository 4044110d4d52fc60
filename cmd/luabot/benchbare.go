package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/urfave/cli/v2"
)

// benchBareCommand is the baseline of `luabot bench --compare`: an echo bot
// written as the cheapest client possible (gorilla/websocket, net/http, a
// goroutine per reply, no retries, no token refresh, no resume). It is
// built into luabot so that bench measures it with the same toolchain; it
// is not meant for anything else, hence hidden.
func benchBareCommand() *cli.Command {
	return &cli.Command{
		Name:   "bench-bare",
		Hidden: true,
		Usage:  "a bare Go echo client, the baseline of luabot bench --compare",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "app-id", Required: true},
			&cli.StringFlag{Name: "secret", Required: true, EnvVars: []string{"QQBOT_SECRET"}}, // as bench passes it (benchEnv)
			&cli.StringFlag{Name: "api", Required: true},
			&cli.StringFlag{Name: "token-url", Required: true},
		},
		Action: func(c *cli.Context) error {
			return bareEcho(c.Context, c.String("app-id"), c.String("secret"), c.String("api"), c.String("token-url"))
		},
	}
}

// bareIntents asks for guild @-messages, DMs, and group and C2C messages.
const bareIntents = 1<<30 | 1<<12 | 1<<25

func bareEcho(ctx context.Context, appID, secret, api, tokenURL string) error {
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1024}}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := barePost(ctx, hc, tokenURL+"/app/getAppAccessToken", "", map[string]string{"appId": appID, "clientSecret": secret}, &tok); err != nil {
		return err
	}
	if tok.AccessToken == "" {
		return errors.New("bare client: no access token")
	}
	auth := "QQBot " + tok.AccessToken
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, api+"/gateway", nil)
	req.Header.Set("Authorization", auth)
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	var gw struct{ URL string }
	err = json.NewDecoder(resp.Body).Decode(&gw)
	resp.Body.Close()
	if err != nil {
		return err
	}
	conn, _, err := websocket.DefaultDialer.DialContext(ctx, gw.URL, nil)
	if err != nil {
		return err
	}
	defer conn.Close()
	go func() { <-ctx.Done(); conn.Close() }()
	var wmu sync.Mutex
	send := func(v any) error {
		wmu.Lock()
		defer wmu.Unlock()
		return conn.WriteJSON(v)
	}
	var hello struct {
		D struct {
			HeartbeatInterval int `json:"heartbeat_interval"`
		} `json:"d"`
	}
	if err := conn.ReadJSON(&hello); err != nil {
		return err
	}
	if err := send(map[string]any{"op": 2, "d": map[string]any{"token": auth, "intents": bareIntents, "shard": []int{0, 1}}}); err != nil {
		return err
	}
	var seq sync.Mutex
	last := 0
	go func() {
		t := time.NewTicker(time.Duration(hello.D.HeartbeatInterval) * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				seq.Lock()
				s := last
				seq.Unlock()
				if send(map[string]any{"op": 1, "d": s}) != nil {
					return
				}
			}
		}
	}()
	for {
		var frame struct {
			Op int             `json:"op"`
			S  int             `json:"s"`
			T  string          `json:"t"`
			D  json.RawMessage `json:"d"`
		}
		if err := conn.ReadJSON(&frame); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		if frame.S > 0 {
			seq.Lock()
			last = frame.S
			seq.Unlock()
		}
		if frame.Op != 0 {
			continue
		}
		var m struct {
			ID          string `json:"id"`
			Content     string `json:"content"`
			ChannelID   string `json:"channel_id"`
			GuildID     string `json:"guild_id"`
			GroupOpenID string `json:"group_openid"`
			Author      struct {
				ID string `json:"id"`
			} `json:"author"`
		}
		var path string
		switch frame.T {
		case "AT_MESSAGE_CREATE", "DIRECT_MESSAGE_CREATE", "GROUP_AT_MESSAGE_CREATE", "C2C_MESSAGE_CREATE":
			if json.Unmarshal(frame.D, &m) != nil {
				continue
			}
		default:
			continue
		}
		body := map[string]any{"content": m.Content, "msg_id": m.ID}
		switch frame.T {
		case "AT_MESSAGE_CREATE":
			path = "/channels/" + m.ChannelID + "/messages"
		case "DIRECT_MESSAGE_CREATE":
			path = "/dms/" + m.GuildID + "/messages"
		case "GROUP_AT_MESSAGE_CREATE":
			path = "/v2/groups/" + m.GroupOpenID + "/messages"
			body["msg_type"], body["msg_seq"] = 0, 1
		case "C2C_MESSAGE_CREATE":
			path = "/v2/users/" + m.Author.ID + "/messages"
			body["msg_type"], body["msg_seq"] = 0, 1
		}
		go func() { _ = barePost(ctx, hc, api+path, auth, body, nil) }()
	}
}

func barePost(ctx context.Context, hc *http.Client, url, auth string, in, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("POST %s: %s", url, resp.Status)
	}
	if out == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		return err
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

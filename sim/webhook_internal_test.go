package sim

import (
	"crypto/ed25519"
	"encoding/hex"
	"testing"
)

// The published vectors of docs/protocol.md §10.2 and §10.3.
func TestWebhookKey_Vectors(t *testing.T) {
	tests := []struct {
		name, secret, message, want string
	}{
		{"event body", "naOC0ocQE3shWLAfffVLB1rhYPG7", `1725442341{"op":0,"d":{},"t":"GATEWAY_EVENT_NAME"}`,
			"b9d91ef278516c0f359216398be939ee591186ecc250b3b5c724436655b7adf9f906b025413ccd61fe8218b39ce61733bf2707b1dd8ea2b649f5d3cf727c0a01"},
		{"op 13", "DG5g3B4j9X2KOErG", "1725442341Arq0D5A61EgUu4OxUvOp",
			"87befc99c42c651b3aac0278e71ada338433ae26fcb24307bdc5ad38c1adc2d01bcfcadc0842edac85e85205028a1132afe09280305f13aa6909ffc2d652c706"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := hex.EncodeToString(ed25519.Sign(webhookKey(tt.secret), []byte(tt.message))); got != tt.want {
				t.Errorf("signature = %s, want %s", got, tt.want)
			}
		})
	}
}

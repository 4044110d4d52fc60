package openapi

import (
	"context"
	"net/http"
)

var RouteInteraction = Route{http.MethodPut, "/interactions/{interaction_id}"}

// Interaction acknowledgement codes.
const (
	InteractionOK           = 0
	InteractionFailed       = 1
	InteractionTooFrequent  = 2
	InteractionDuplicate    = 3
	InteractionNoPermission = 4
	InteractionAdminOnly    = 5
)

// AckInteraction acknowledges an INTERACTION_CREATE (PUT /interactions/{d.id})
// so the user's client stops waiting; code is one of the Interaction* codes.
func (c *Client) AckInteraction(ctx context.Context, interactionID string, code int) error {
	return callNone(ctx, c, "ack interaction", RouteInteraction, []string{interactionID}, nil, map[string]int{"code": code})
}

// Command dci6flow is what a user's billing code does with the client
// oapi-codegen generates from dci6.yaml: log in, list servers, power one on,
// let the task finish, and read the server back. TestGeneratedClients builds
// it next to the generated packages and runs it against panelsim.
package main

import (
	"context"
	"fmt"
	"net/http"
	"os"

	"gen/control"
	"gen/dci6"
)

func main() {
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(base string) error {
	ctx := context.Background()
	dci, err := dci6.NewClientWithResponses(base)
	if err != nil {
		return err
	}
	login, err := dci.LoginWithResponse(ctx, dci6.LoginRequest{Email: "admin@example.com", Password: "secret"})
	if err != nil {
		return fmt.Errorf("login: %w", err)
	}
	if login.JSON201 == nil {
		return fmt.Errorf("login: HTTP %d %s", login.StatusCode(), login.Body)
	}
	token := login.JSON201.Token
	auth := func(_ context.Context, req *http.Request) error {
		req.Header.Set("x-xsrf-token", token)
		return nil
	}
	where := dci6.Where("power_status EQ 'off'")
	list, err := dci.ListServersWithResponse(ctx, &dci6.ListServersParams{Where: &where}, auth)
	if err != nil {
		return fmt.Errorf("list servers: %w", err)
	}
	if list.JSON200 == nil || len(list.JSON200.List) == 0 {
		return fmt.Errorf("list servers: no powered-off server: HTTP %d %s", list.StatusCode(), list.Body)
	}
	id := fmt.Sprint(list.JSON200.List[0].Id)
	on, err := dci.PowerOnWithResponse(ctx, id, dci6.EmptyRequest{}, auth)
	if err != nil {
		return fmt.Errorf("power on: %w", err)
	}
	if on.JSON200 == nil || on.JSON200.Task == 0 {
		return fmt.Errorf("power on: HTTP %d %s", on.StatusCode(), on.Body)
	}
	ctl, err := control.NewClientWithResponses(base)
	if err != nil {
		return err
	}
	adv, err := ctl.AdvanceClockWithResponse(ctx, control.AdvanceClockJSONRequestBody{By: "5m"})
	if err != nil || adv.JSON200 == nil {
		return fmt.Errorf("advance the clock: %v %v", err, adv)
	}
	got, err := dci.GetServerWithResponse(ctx, id, auth)
	if err != nil {
		return fmt.Errorf("get server: %w", err)
	}
	if got.JSON200 == nil || got.JSON200.PowerStatus != dci6.ServerPowerStatusOn {
		return fmt.Errorf("server %s after power on: HTTP %d %s", id, got.StatusCode(), got.Body)
	}
	fmt.Printf("server %s powered on by task %d\n", id, on.JSON200.Task)
	return nil
}

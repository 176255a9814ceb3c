//! English: the kiosk's second language and the one for halls that show both. Plain words a visitor
//! understands, not the code's vocabulary ("Call back", not "unhold").

use super::Text;

/// The English catalog.
pub(super) fn en(text: Text) -> &'static str {
    use Text::*;
    match text {
        // Shared
        Connecting => "Connecting…",
        Reconnecting => "Connection lost, reconnecting…",
        DeviceRefused => "This device is not authorised; please call the administrator",
        NoAudio => "No audio",
        Confirm => "OK",
        Cancel => "Cancel",
        Back => "Back",
        Home => "Home",
        Retry => "Try again",
        PleaseWait => "Please wait",
        OtherLanguage => "中文",
        Minutes => "{n} min",
        NoEstimate => "—",
        WindowNumber => "Window {n}",
        NumberLabel => "Number",
        WindowLabel => "Window",
        ServiceLabel => "Service",

        // Ticket classes
        ClassNormal => "Normal",
        ClassPriority => "Priority",
        ClassGreen => "Green channel",
        ClassAppointment => "Appointment",

        // Ticket states
        StateWaiting => "Waiting",
        StateCalled => "Called",
        StateServing => "Being served",
        StateHeld => "On hold",
        StateNoShow => "Missed",
        StateDone => "Done",
        StateCancelled => "Cancelled",
        StateExpired => "Expired",

        // Window status
        WindowOpen => "Open",
        WindowPaused => "Service paused",
        WindowClosed => "Window closed",
        PauseReasonLabel => "Reason",

        // Pause reasons
        PauseBreak => "Break",
        PauseMeeting => "Meeting",
        PauseConsultation => "Consultation",
        PauseOther => "Other",

        // Kiosk
        Welcome => "Welcome",
        TakeTicket => "Take a ticket",
        ChooseGroup => "Choose a category",
        ChooseService => "Choose a service",
        WaitingCount => "{n} waiting",
        EstimatedWait => "About {n} min wait",
        EstimatedWaitUnknown => "Wait time not available",
        TileFull => "Full",
        TilePastCutoff => "Closed for today",
        TilePaused => "Paused",
        TileClosed => "Closed now",
        IssuingPaused => "Tickets paused",
        IssuingPausedHint => "Back shortly, please wait",
        Issuing => "Printing your ticket…",
        YourNumber => "Your number",
        AheadOfYou => "{n} people ahead of you",
        IssuedAt => "Taken at {time}",
        ScanForProgress => "Scan to follow your place in the queue",
        NoShowHint => "Missed your call? Ask at the window to queue again",
        OneTimeNotice => "Everything you need, at once",
        Materials => "Documents to bring",
        CitizenIdOptional => "ID card number (optional)",
        PhoneOptional => "Phone number (optional)",
        ElderMode => "Large text",
        HelperStaffNo => "Staff number",
        HelperPin => "Staff PIN",
        PrinterFault => "Printer fault: please note the number on the screen or scan the code",
        PrinterNoPaper => "Printer out of paper; please ask a member of staff",
        TakeYourSlip => "Please take your ticket",
        Done => "Done",
        // kiosk
        TileBreak => "On break",
        NextPage => "Next page",
        PrevPage => "Previous page",
        HelperActive => "Priority ticket unlocked",
        HelperExit => "Leave priority mode",
        NoPrinterHint => "This kiosk does not print: please note the number or scan the code",
        PrintingSlip => "Printing your ticket",
        BackHomeIn => "Back to the start in {n} s",
        KeyDelete => "Delete",
        KeyClear => "Clear",
        CheckInTile => "Booking check-in",
        CheckInTileHint => "Booked? Check in here for your ticket",
        IssueAtWindow => "Issue a ticket",
        IssueService => "Service",
        IssueClass => "Class",
        IssueCitizenId => "Citizen id (optional)",
        IssuePhone => "Phone (optional)",
        IssuedNumber => "Issued",
        IssueConfirm => "Issue",
        Close => "Close",
        CheckInTitle => "Booking check-in",
        CheckInHint => {
            "Enter the booking code (or scan its QR code), or the phone and the last 4 characters of the id"
        }
        BookingCode => "Booking code",
        BookingPhone => "Phone",
        IdLast4 => "Id, last 4",
        CheckInButton => "Check in",
        CheckInIncomplete => "Enter the 6-character code, or the phone and the id's last 4",
        CheckInTooEarlyAt => "Check-in is not open yet; please come back after {time}",
        CheckInLate => "Your check-in time has passed: this is a normal ticket",
        ErrCitizenIdFormat => {
            "This ID card number is not valid; please check it (or leave it empty)"
        }
        ErrPhoneFormat => "This phone number is not valid; please check it (or leave it empty)",
        IssueNoAnswer => {
            "No answer from the server (network trouble). Please touch Take a ticket again: you get the same ticket, never a second one"
        }
        ResendHint => {
            "The last ticket request got no answer: touch Take a ticket to get that ticket, never a second one"
        }
        IdMovedFromPhone => {
            "That was an ID card number: it is now in the ID field. Please check it and touch Take a ticket"
        }
        PhoneMovedFromId => {
            "That was a phone number: it is now in the phone field. Please check it and touch Take a ticket"
        }
        ErrIdInPhone => {
            "That is an ID card number, not a phone number: please enter a phone number (or leave it empty)"
        }
        ErrPhoneInId => {
            "That is a phone number, not an ID card number: please enter the ID card number (or leave it empty)"
        }
        FullNextStep => "Full today: book an appointment or come back tomorrow",
        CutoffNextStep => "No more tickets today: please come back tomorrow",
        PausedNextStep => "Not available now: please ask a member of staff",
        BreakUntil => "On break: tickets again from {time}",
        OpensAt => "Tickets from {time}",
        ClosedNextStep => "No tickets now: please come during opening hours",
        CallingSoon => "You are next: your call is coming soon",
        NextWhenOpen => "You are next: you will be called when a window opens",
        WaitAtWindows => "Please wait in the waiting area for a call to window {windows}",
        WaitWatchScreens => "Please wait in the waiting area and watch the screens for your number",
        PriorityAskStaff => "Need priority service? Please ask staff",
        HelperTitle => "Staff only: priority ticket",
        ElderModeHint => "Larger text, easier to read",
        ElderModeOnHint => "On: touch again for the standard view",
        AlreadyHeld => "You already hold a ticket for this service: no need for another",
        NotPrintedAgain => {
            "The ticket was printed when it was taken; you can also note the number or scan the code"
        }
        DemoLoopback => "Demo: the QR code points to this computer, phones cannot open it",

        // Caller
        StaffNo => "Staff number",
        Password => "Password",
        LogIn => "Log in",
        LogOut => "Log out",
        ChooseWindow => "Choose your window",
        SignIn => "Open window",
        SignOut => "Close window",
        CallNext => "Call next",
        Recall => "Recall",
        StartService => "Start",
        Finish => "Finish",
        NoShow => "No-show",
        Requeue => "Requeue",
        Transfer => "Transfer",
        Hold => "Hold",
        Unhold => "Call back",
        SpecialCall => "Call by number",
        Pause => "Pause",
        Resume => "Resume",
        ChoosePauseReason => "Why are you pausing?",
        TransferToService => "To a service",
        TransferToWindow => "To a window",
        TransferNote => "Note for the next window",
        EnterNumber => "Enter the number",
        CurrentTicket => "Current ticket",
        NoTicketAtWindow => "No ticket called or being served",
        WaitedMinutes => "Waited {n} min",
        HandlingTime => "Handling {time}",
        OverTimeLimit => "Over time limit",
        WindowQueue => "Next for this window",
        WaitingTotal => "{n} waiting in all",
        HeldTickets => "On hold",
        NoShowTickets => "No-shows",
        TodayServed => "Served today: {n}",
        TodayNoShow => "No-shows today: {n}",
        MeanWait => "Mean wait {n} min",
        MeanHandling => "Mean handling {n} min",
        // caller
        ServerAddress => "Server address",
        SignedInAs => "{name} (staff no. {staff_no})",
        LastUsed => "last used",
        ActionsOffline => "Offline: actions are unavailable until the link is back",
        CalledFor => "Called {time} ago",
        RecallCount => "Recalled {n} times",
        NoneNow => "None",
        TodayPaused => "Paused {n} min today",
        WindowNotAllowed => "You may not sign in at that window; please choose another",
        MeanWaitUnknown => "Mean wait —",
        MeanHandlingUnknown => "Mean handling —",
        FinishAndCallNext => "Finish and call next",
        AlreadyServing => "Service has already started",
        StartedOnCall => "In this hall service starts with the call",
        RecallOnlyCalled => "Service has started: no recall needed",
        NoShowOnlyCalled => "Service has started: not a no-show",
        TimeLimit => "limit {n} min",
        ByService => "By service: {list}",
        ByClass => "By class: {list}",
        SessionEnded => "Your sign-in has ended (expired or revoked); please log in again",
        ReturnToWindow => "You go straight to window {n} after logging in",
        SignOutQueued => {
            "Offline: window {n} is closed as soon as the link is back; keep this program open"
        }
        SignedOut => "Window {n} is closed",
        SignOutNotDone => {
            "Window {n} could not be closed and is still open; log in and close it again"
        }
        HeldReturned => "Held {numbers} went back to the head of the queue for other windows",
        FinishedNobodyWaits => "{number} finished; nobody is waiting",

        // Display
        NowCalling => "Now calling",
        RecentCalls => "Recent calls",
        WaitingByGroup => "Waiting",
        NowServing => "Now serving",
        CallAnnouncement => "Number {number}, please go to window {window}",
        RecallTag => "Recall",
        Monday => "Monday",
        Tuesday => "Tuesday",
        Wednesday => "Wednesday",
        Thursday => "Thursday",
        Friday => "Friday",
        Saturday => "Saturday",
        Sunday => "Sunday",
        // display
        LastUpdated => "Last update {time}",
        WindowAwaitingCall => "Please wait for your number",
        VoiceIncomplete => "Voice incomplete ({langs})",
        AnnounceSettingsFault => "Announcement settings fault",
        NoCallsYet => "No calls yet",
        ComeToThisWindow => "Number {number}, please come to this window",
        WindowServices => "This window handles: {services}",
        Announcing => "Announcing",

        // Refusals
        ErrBadRequest => "Something entered is not valid; please check and try again",
        ErrPayloadTooLarge => "Too much was sent at once",
        ErrUnauthorized => "Not logged in or the login has expired; please log in again",
        ErrForbidden => "You may not do this",
        ErrNotFound => "Not found",
        ErrMethodNotAllowed => "This operation is not supported",
        ErrUnknownService => "No such service",
        ErrUnknownWindow => "No such window",
        ErrUnknownTicket => "No such ticket",
        ErrWrongState => "This ticket cannot do that in its current state",
        ErrHallClosed => "The hall is closed now",
        ErrPastCutoff => "Tickets have closed for today",
        ErrServiceDisabled => "This service is not taking tickets now",
        ErrDailyCapReached => "All of today's tickets for this service are taken",
        ErrSlotQuotaReached => "No tickets left in this time slot; please come back later",
        ErrDuplicateCitizen => "You already have a ticket for this service",
        ErrClassNotAllowed => "This kind of ticket must be issued by staff",
        ErrBadPin => "Wrong staff number or PIN",
        ErrRateLimited => "Too many requests; please try again shortly",
        ErrQueueEmpty => "Nobody is waiting",
        ErrWindowBusy => "Finish, mark no-show, hold or transfer the current ticket first",
        ErrNoCurrentTicket => "There is no called or served ticket at this window",
        ErrWindowPaused => "The window is paused; resume it first",
        ErrWindowClosed => "The window is closed; open it first",
        ErrWindowTaken => "Someone else is signed in at this window",
        ErrSignedInElsewhere => "You are signed in at another window",
        ErrNotSignedIn => "You are not signed in at this window",
        ErrRequeueExpired => "This no-show is too old to queue again",
        ErrTransferToSelf => "Cannot transfer to this same window",
        ErrBadCredentials => "Wrong staff number or password",
        ErrRequestIdReused => "That request id was used for something else; try again",
        ErrLoginLocked => "Too many wrong passwords; try again later",
        ErrPinLocked => "Too many wrong PINs; try again later",
        ErrBusy => "The system is busy; try again in a moment",
        ErrUnavailable => "The server is busy; please try again",
        ErrInternal => "Server error; nothing was changed",
        ErrUnknownBooking => "No booking found; please check the booking code",
        ErrSlotUnavailable => "This time cannot be booked",
        ErrSlotPast => "This time is over; please choose another",
        ErrSlotFull => "This time is fully booked; please choose another",
        ErrDuplicateBooking => {
            "You already have a booking for this service that day; cancel it first to change"
        }
        ErrCancelClosed => "It is too late to cancel online; please call the hall",
        ErrCheckInTooEarly => "Check-in is not open yet; please come back later",
        ErrBookingUsed => "This booking has already been checked in",
        ErrBookingClosed => "This booking was cancelled or has lapsed",
        ErrTimeout => "The server did not answer; please try again",
        ErrNetwork => "Cannot reach the server",
        ErrDecode => "The server's answer could not be read; please call the administrator",
    }
}

//! The player's state, and both MPRIS interfaces implemented on it.

use std::collections::HashMap;
use std::sync::Mutex;

use tokio::sync::Notify;
use zbus::{OwnedObjectPath, OwnedVariant, fdo};

use crate::mpris::player::player_server::{
    Player as PlayerInterface, PlayerCall, PlayerChanges, PlayerSignals,
};
// Whether the player plays: generated from the overlay's annotation on `PlaybackStatus`.
use crate::mpris::player::types::PlaybackStatus as Status;
use crate::mpris::root::media_player2_server::{MediaPlayer2, MediaPlayer2Call};
use crate::tracks::{PLAYLIST, metadata, track_id};

/// The slowest and fastest rates the player accepts.
const RATES: (f64, f64) = (0.5, 2.0);

/// What the player is doing.
#[derive(Debug)]
struct State {
    track: usize,
    status: Status,
    /// Microseconds into the track.
    position: i64,
    volume: f64,
    rate: f64,
}

/// A media player: one state behind both interfaces of its object.
#[derive(Debug)]
pub(crate) struct Player {
    state: Mutex<State>,
    quit: Notify,
}

impl Default for Player {
    fn default() -> Self {
        let state = State {
            track: 0,
            status: Status::Stopped,
            position: 0,
            volume: 1.0,
            rate: 1.0,
        };
        Self {
            state: Mutex::new(state),
            quit: Notify::new(),
        }
    }
}

impl Player {
    /// Returns once a client called `Quit`.
    pub(crate) async fn quit_requested(&self) {
        self.quit.notified().await;
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Moves to the status `status`, and announces it where it changed.
    async fn set_status(&self, status: Status, signals: &PlayerSignals) -> fdo::Result<()> {
        let old = std::mem::replace(&mut self.state().status, status.clone());
        if old != status {
            signals.playback_status_changed(&status).await?;
        }
        Ok(())
    }

    /// Moves `by` tracks along the playlist (wrapping around) and plays: the new track's
    /// metadata and the status go out in one `PropertiesChanged`, as players do.
    async fn skip(&self, by: usize, signals: &PlayerSignals) -> fdo::Result<()> {
        let track = {
            let mut state = self.state();
            state.track = (state.track + by) % PLAYLIST.len();
            state.position = 0;
            state.status = Status::Playing;
            state.track
        };
        let changes = PlayerChanges {
            metadata: Some(metadata(track)?),
            playback_status: Some(Status::Playing),
            ..PlayerChanges::default()
        };
        signals.properties_changed(&changes).await?;
        Ok(())
    }

    /// Moves to `position` in the current track (kept within it) and says so with `Seeked`.
    async fn seek_to(&self, position: i64, signals: &PlayerSignals) -> fdo::Result<()> {
        let position = {
            let mut state = self.state();
            state.position = position.clamp(0, PLAYLIST[state.track].length);
            state.position
        };
        signals.seeked(position).await?;
        Ok(())
    }
}

impl MediaPlayer2 for Player {
    type Error = fdo::Error;

    async fn raise(&self, _call: &MediaPlayer2Call<'_>) -> fdo::Result<()> {
        // No window to raise: CanRaise is false, and Raise does nothing.
        Ok(())
    }

    async fn quit(&self, _call: &MediaPlayer2Call<'_>) -> fdo::Result<()> {
        self.quit.notify_one();
        Ok(())
    }

    async fn can_quit(&self) -> fdo::Result<bool> {
        Ok(true)
    }

    async fn can_raise(&self) -> fdo::Result<bool> {
        Ok(false)
    }

    async fn has_track_list(&self) -> fdo::Result<bool> {
        Ok(false)
    }

    async fn identity(&self) -> fdo::Result<String> {
        Ok("dbus-xml-codegen example player".to_owned())
    }

    async fn supported_uri_schemes(&self) -> fdo::Result<Vec<String>> {
        Ok(Vec::new())
    }

    async fn supported_mime_types(&self) -> fdo::Result<Vec<String>> {
        Ok(Vec::new())
    }
}

impl PlayerInterface for Player {
    type Error = fdo::Error;

    async fn next(&self, call: &PlayerCall<'_>) -> fdo::Result<()> {
        self.skip(1, &call.signals()).await
    }

    async fn previous(&self, call: &PlayerCall<'_>) -> fdo::Result<()> {
        self.skip(PLAYLIST.len() - 1, &call.signals()).await
    }

    async fn pause(&self, call: &PlayerCall<'_>) -> fdo::Result<()> {
        if self.state().status == Status::Playing {
            self.set_status(Status::Paused, &call.signals()).await?;
        }
        Ok(())
    }

    async fn play_pause(&self, call: &PlayerCall<'_>) -> fdo::Result<()> {
        let status = match self.state().status {
            Status::Playing => Status::Paused,
            // The player never holds a status it does not name.
            Status::Paused | Status::Stopped | Status::Unknown(_) => Status::Playing,
        };
        self.set_status(status, &call.signals()).await
    }

    async fn stop(&self, call: &PlayerCall<'_>) -> fdo::Result<()> {
        self.state().position = 0;
        self.set_status(Status::Stopped, &call.signals()).await
    }

    async fn play(&self, call: &PlayerCall<'_>) -> fdo::Result<()> {
        self.set_status(Status::Playing, &call.signals()).await
    }

    async fn seek(&self, offset: i64, call: &PlayerCall<'_>) -> fdo::Result<()> {
        let position = self.state().position.saturating_add(offset);
        self.seek_to(position, &call.signals()).await
    }

    async fn set_position(
        &self,
        track_id_: OwnedObjectPath,
        position: i64,
        call: &PlayerCall<'_>,
    ) -> fdo::Result<()> {
        // MPRIS: a position for another track, or outside this one, is ignored.
        let (current, length) = {
            let state = self.state();
            (track_id(state.track), PLAYLIST[state.track].length)
        };
        if *track_id_ != current || !(0..=length).contains(&position) {
            return Ok(());
        }
        self.seek_to(position, &call.signals()).await
    }

    async fn open_uri(&self, uri: String, _call: &PlayerCall<'_>) -> fdo::Result<()> {
        Err(fdo::Error::NotSupported(format!(
            "this player opens no URI, not even {uri}"
        )))
    }

    async fn playback_status(&self) -> fdo::Result<Status> {
        Ok(self.state().status.clone())
    }

    async fn rate(&self) -> fdo::Result<f64> {
        Ok(self.state().rate)
    }

    async fn set_rate(&self, value: f64, call: &PlayerCall<'_>) -> fdo::Result<()> {
        // MPRIS: a rate of 0.0 pauses, and leaves the rate as it was. The setter announces
        // the status through its call context; zbus announces the rate by itself.
        if value == 0.0 {
            return self.set_status(Status::Paused, &call.signals()).await;
        }
        let (slowest, fastest) = RATES;
        if !(slowest..=fastest).contains(&value) {
            return Err(fdo::Error::InvalidArgs(format!(
                "Rate {value} is outside {slowest}..={fastest} (MinimumRate..=MaximumRate)"
            )));
        }
        self.state().rate = value;
        Ok(())
    }

    async fn metadata(&self) -> fdo::Result<HashMap<String, OwnedVariant>> {
        Ok(metadata(self.state().track)?)
    }

    async fn volume(&self) -> fdo::Result<f64> {
        Ok(self.state().volume)
    }

    async fn set_volume(&self, value: f64, call: &PlayerCall<'_>) -> fdo::Result<()> {
        // A volume is a number (NaN would stay NaN through clamp, and be read back).
        if !value.is_finite() {
            return Err(fdo::Error::InvalidArgs(format!(
                "a volume is a number from 0.0 to 1.0, not {value}"
            )));
        }
        // MPRIS: a volume below 0.0 is 0.0; this player goes no louder than 1.0.
        self.state().volume = value.clamp(0.0, 1.0);
        let who = call
            .sender()
            .map_or("?".to_owned(), |sender| sender.to_string());
        eprintln!("volume set to {value} by {who}");
        Ok(())
    }

    async fn position(&self) -> fdo::Result<i64> {
        Ok(self.state().position)
    }

    async fn minimum_rate(&self) -> fdo::Result<f64> {
        Ok(RATES.0)
    }

    async fn maximum_rate(&self) -> fdo::Result<f64> {
        Ok(RATES.1)
    }

    async fn can_go_next(&self) -> fdo::Result<bool> {
        Ok(true)
    }

    async fn can_go_previous(&self) -> fdo::Result<bool> {
        Ok(true)
    }

    async fn can_play(&self) -> fdo::Result<bool> {
        Ok(true)
    }

    async fn can_pause(&self) -> fdo::Result<bool> {
        Ok(true)
    }

    async fn can_seek(&self) -> fdo::Result<bool> {
        Ok(true)
    }

    async fn can_control(&self) -> fdo::Result<bool> {
        Ok(true)
    }
}

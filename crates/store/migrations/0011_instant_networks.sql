-- The instant network each credit travels on, chosen from the participant directories when it
-- is queued (docs/instant-connector.md). Status requests go to the same network. Credits queued
-- before this migration went over the simulated RTP network.
ALTER TABLE instant_credits ADD COLUMN network TEXT NOT NULL DEFAULT 'rtp';

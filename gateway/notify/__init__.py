"""The chatops notifier: a bot that follows the gateway's change feeds and posts to a chat.

It posts transitions into an abnormal status, recoveries and clusters going dark to an
incoming webhook (Slack, Mattermost, Microsoft Teams or plain JSON), grouping bursts,
limiting its rate and retrying failed posts, and it resumes after any disconnect or
restart without posting a transition twice (see ``state`` for the one exception: a
crash between a post and the save that records it).
"""
